"""One module per screen; each pairs with mobile_app/kv/<screen name>.kv."""
