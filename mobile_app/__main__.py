"""Start the tablet app: `python -m mobile_app` or `chungsuc-app`.

    chungsuc-app [--data-dir DIR] [--server URL] [--lang vi|en] [--gps LAT,LON[,ACCURACY]]

The data directory holds the replica (replica.db) and the photos; it defaults to
$CHUNGSUC_APP_DIR or ~/.chungsuc-app.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from mobile_app.i18n import LANGUAGES


def default_data_dir() -> Path:
    return Path(os.environ.get("CHUNGSUC_APP_DIR") or Path.home() / ".chungsuc-app")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="chungsuc-app", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="where the replica and photos are kept (default: %(default)s)",
    )
    parser.add_argument("--server", default="", help="server URL prefilled on the enrolment screen")
    parser.add_argument("--lang", choices=LANGUAGES, default="vi", help="interface language")
    parser.add_argument(
        "--gps",
        default=os.environ.get("CHUNGSUC_GPS", ""),
        metavar="LAT,LON[,ACCURACY]",
        help="fixed position for the desktop build's GPS (default: $CHUNGSUC_GPS; none)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    # Kivy parses sys.argv itself unless told not to; our options are not Kivy's.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from mobile_app.desktop import configure_window

    configure_window()
    from mobile_app.app import ChungSucApp  # imports the Kivy window: after configuring it
    from mobile_app.devices.location import DesktopLocation

    location = DesktopLocation.from_text(args.gps) if args.gps else None
    ChungSucApp(
        data_dir=args.data_dir, default_server=args.server, lang=args.lang, location=location
    ).run()


if __name__ == "__main__":
    main()
