"""Operator commands: serve, keys, credits, db. A thin adapter over `domain/`."""

from __future__ import annotations

from typing import Annotated

import typer

from vidswap.cli.app import app
from vidswap.config import Settings
from vidswap.domain import accounts, credits
from vidswap.storage import migrate
from vidswap.storage.db import Database

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
credits_app = typer.Typer(help="Grant credits.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(credits_app, name="credits")
app.add_typer(db_app, name="db")


def _database() -> Database:
    db = Database.from_settings(Settings())
    migrate.upgrade(db)
    return db


def ensure_demo_account(db: Database, settings: Settings) -> str | None:
    """On a server with no accounts, creates a demo account and returns its key (once)."""
    if accounts.count_accounts(db):
        return None
    _id, key = accounts.create_account(
        db, "demo", package=settings.demo_credits, concurrency=settings.default_concurrency
    )
    return key


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Apply migrations and run the API server with its workers."""
    import uvicorn

    from vidswap.api.app import create_app

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    db = Database.from_settings(settings)
    migrate.upgrade(db)
    key = ensure_demo_account(db, settings)
    db.dispose()
    if key:
        typer.echo(f"Created a demo account with {settings.demo_credits} credits.")
        typer.echo(f"Its API key (shown only once): {key}")
    typer.echo(f"API docs: {settings.base_url}/docs")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Account name.")],
    credits_: Annotated[int, typer.Option("--credits", help="Package credits to start with.")] = 0,
    monthly: Annotated[int, typer.Option(help="Monthly credits to start with.")] = 0,
    concurrency: Annotated[int, typer.Option(help="Concurrent generations allowed.")] = 5,
) -> None:
    """Create an account and its API key; the key is printed alone on the last line."""
    account_id, key = accounts.create_account(
        _database(), name, package=credits_, monthly=monthly, concurrency=concurrency
    )
    typer.echo(f"account {account_id} ({name}); store this key, it is not shown again:")
    typer.echo(key)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never the keys themselves, only their prefixes)."""
    for k in accounts.list_keys(_database()):
        state = "revoked" if k.revoked else "active"
        typer.echo(f"{k.id}\t{k.prefix}...\t{k.name}\taccount {k.account_id}\t{state}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="Key id from `keys list`.")]) -> None:
    """Revoke a key; requests with it get 400012 from then on."""
    accounts.revoke_key(_database(), key_id)
    typer.echo(f"revoked key {key_id}")


@credits_app.command("grant")
def credits_grant(
    account_id: Annotated[int, typer.Argument(help="Account id.")],
    amount: Annotated[int, typer.Argument(help="Credits to add.")],
    monthly: Annotated[
        bool, typer.Option(help="Add to monthly instead of package credits.")
    ] = False,
) -> None:
    """Add credits to an account."""
    bal = credits.grant_by_id(
        _database(),
        account_id,
        monthly=amount if monthly else 0,
        package=0 if monthly else amount,
        note="cli grant",
    )
    typer.echo(f"account {bal.account_id}: monthly {bal.monthly}, package {bal.package}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all database migrations."""
    _database()
    typer.echo("database is up to date")
