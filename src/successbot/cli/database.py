"""``successbot db``: the schema's revision, upgrading it, and copying the database elsewhere."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from successbot.cli.common import UsageError, load
from successbot.core.clock import Clock
from successbot.runtime.errors import StartupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def run_db(args: argparse.Namespace, clock: Clock) -> int:
    from successbot.storage.database import current_revision, make_engine, upgrade
    from successbot.storage.errors import database_reason
    from successbot.storage.tables import SCHEMA_REVISION

    if (args.db_action == "copy") != bool(args.to):
        raise UsageError("copy needs --to URL" if args.to is None else "--to goes with copy")
    config = load(args)
    engine = make_engine(config.database.url, config.database.busy_timeout)
    try:
        if args.db_action == "copy":
            _copy_to(engine, args.to, args.replace)
        elif args.db_action == "upgrade":
            before = current_revision(engine)
            upgrade(engine)
            print(f"database at {SCHEMA_REVISION} (was {before or 'empty'})")
        else:
            revision = current_revision(engine)
            state = "up to date" if revision == SCHEMA_REVISION else f"behind; this successbot needs {SCHEMA_REVISION}"
            print(f"{revision or 'empty'} ({state})")
    except UsageError:
        raise
    except Exception as error:  # any driver error: one line, not a traceback
        raise StartupError(f"cannot use the database {engine.url!r}: {database_reason(error)}") from None
    finally:
        engine.dispose()
    return 0


def _copy_to(source: Engine, target_url: str, replace: bool) -> None:
    from successbot.config import mask_credentials, parse_database_url
    from successbot.storage.database import make_engine
    from successbot.storage.database_copy import CopyRefused, copy_database
    from successbot.storage.errors import database_reason

    try:
        target = make_engine(parse_database_url(target_url))
    except ValueError as error:
        raise UsageError(f"--to: {error}, found {mask_credentials(target_url)!r}") from None
    try:
        copies = copy_database(source, target, replace=replace)
    except CopyRefused as error:
        raise UsageError(str(error)) from None
    except Exception as error:
        raise StartupError(f"cannot copy to {target.url!r}: {database_reason(error)}") from None
    finally:
        target.dispose()
    for copy in copies:
        print(f"{copy.table}: {copy.source_rows} rows copied, {copy.target_rows} in the target")
    print(f"copied to {target.url!r}; every table's row count matches")
