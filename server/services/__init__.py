"""Domain services: views parse input, call one of these, and serialise what comes back."""
