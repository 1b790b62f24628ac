"""The `tremor-guide` command: serve, migrate, content, keys and webhooks.

The content commands run the same service functions as the HTTP API, so an editors'
CI can validate, publish and diff from a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from app.content.files import BundleFileError, load_bundle, write_bundle
from app.content.poller import load_changes
from app.content.schemas import RolloutStatus
from app.core.config import get_settings
from app.core.errors import DomainError, ProblemError
from app.lifespan import StartupError, build_services, explained_start, prepare_database
from app.services import Services

CLI_ACTOR = "cli"


def _services() -> Services:
    """Services for a one-off command: migrated database, current content loaded."""
    settings = get_settings()
    with explained_start(settings.database_url):
        services = build_services(settings)
        prepare_database(services)
        load_changes(services.cache, services.read_engine)
    return services


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from app.core.logging import configure_logging
    from app.core.server import HeaderTimeoutProtocol

    if args.forwarded_allow_ips is not None:
        # The workers read their settings from the environment, like every other setting.
        os.environ["FORWARDED_ALLOW_IPS"] = args.forwarded_allow_ips
        get_settings.cache_clear()
    settings = get_settings()
    # This process logs too ("Uvicorn running on ...", the supervisor's lines): as JSON, like
    # the workers, which configure their own logging when they build the app.
    configure_logging(settings.log_level)
    # Migrate once here, so several workers do not race to do it.
    with explained_start(settings.database_url):
        prepare_database(build_services(settings))
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers > 1 and settings.rate_limit_enabled and settings.redis_url is None:
        logging.getLogger("app.serve").warning(
            "%d workers each count rate limits on their own (up to %d times each limit); "
            "set REDIS_URL to share the counters",
            workers,
            workers,
        )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        loop="uvloop",
        http=HeaderTimeoutProtocol,  # httptools: problem+json 400s, HEADER_TIMEOUT_S
        log_config=None,
        access_log=False,  # ours is written by RequestMiddleware (see configure_logging)
        server_header=False,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; the app decides instead, from
        # FORWARDED_ALLOW_IPS only (app.core.proxy).
        proxy_headers=False,
        date_header=True,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        # A worker starting on a busy machine (imports, content load, code generation) can
        # take longer than uvicorn's 5 s health check, which then kills it in a loop.
        timeout_worker_healthcheck=30,
        limit_concurrency=args.limit_concurrency,
        backlog=2048,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.core import migrate

    url = get_settings().database_url
    with explained_start(url):
        if args.downgrade:
            migrate.downgrade(url, args.downgrade)
            print(f"downgraded to {args.downgrade}")
        else:
            migrate.upgrade(url)
            print("database is at the latest revision")
    return 0


def cmd_content_import(args: argparse.Namespace) -> int:
    from app.content import drafts

    bundle = load_bundle(Path(args.path))
    services = _services()
    with Session(services.engine) as session:
        version = drafts.import_draft(session, bundle, notes=args.notes, actor=CLI_ACTOR)
        session.commit()
    print(f"imported {args.path} as draft version {version}")
    if args.publish:
        return _publish(services, version, force=False, reason=None)
    return 0


def cmd_content_export(args: argparse.Namespace) -> int:
    from app.content import versions

    services = _services()
    with Session(services.engine) as session:
        bundle = versions.stored_bundle(session, args.version)
    write_bundle(bundle, Path(args.path))
    print(f"exported version {args.version} to {args.path}")
    return 0


def cmd_content_validate(args: argparse.Namespace) -> int:
    from app.content.cache import build_loaded
    from app.content.validation import check_bundle
    from app.rules.golden import run_golden_case

    bundle = load_bundle(Path(args.path))
    problems = check_bundle(bundle)
    for problem in problems:
        print(f"problem  {problem.path}: {problem.message}")
    failures = 0
    if not problems:
        loaded = build_loaded(bundle, 0, "file")
        for case in bundle.golden_cases:
            outcome = run_golden_case(loaded.engine, case)
            if not outcome.passed:
                failures += 1
                print(f"golden   {case.id}: {'; '.join(outcome.reasons)}")
    ok = not problems and not failures
    print(
        f"{'valid' if ok else 'INVALID'}: {len(problems)} problem(s), "
        f"{failures} of {len(bundle.golden_cases)} golden case(s) broken"
    )
    return 0 if ok else 1


def _publish(
    services: Services,
    version: int,
    *,
    force: bool,
    reason: str | None,
    rollout_percent: int | None = None,
) -> int:
    from app.content import publishing

    with Session(services.engine) as session:
        result = publishing.publish(
            session,
            services.cache,
            version,
            actor=CLI_ACTOR,
            notes=None,
            force=force,
            reason=reason,
            if_match=None,
            rollout_percent=rollout_percent,
        )
    if rollout_percent is None:
        print(f"published version {result.version}; it is now current")
    else:
        print(f"published version {result.version} as a canary for {rollout_percent} % of callers")
    return 0


def cmd_content_publish(args: argparse.Namespace) -> int:
    return _publish(
        _services(),
        args.version,
        force=args.force,
        reason=args.reason,
        rollout_percent=args.rollout_percent,
    )


def _print_rollout(status: RolloutStatus) -> None:
    if not status.running:
        print(f"no canary; version {status.current_version} serves everyone")
        return
    print(
        f"canary version {status.canary_version} serves {status.percent} % of callers "
        f"(since {status.started_at:%Y-%m-%d %H:%M} UTC); "
        f"version {status.current_version} serves the rest"
    )


def cmd_rollout_status(args: argparse.Namespace) -> int:
    from app.content import staged_rollout

    services = _services()
    with Session(services.engine) as session:
        _print_rollout(staged_rollout.rollout_status(session))
    return 0


def cmd_rollout_change(args: argparse.Namespace) -> int:
    from app.content import staged_rollout
    from app.content.schemas import RolloutAction

    services = _services()
    percent: int | None = getattr(args, "percent", None)
    action = RolloutAction(args.rollout_command) if percent is None else None
    with Session(services.engine) as session:
        status = staged_rollout.change_rollout(
            session,
            services.cache,
            percent=percent,
            action=action,
            actor=CLI_ACTOR,
            reason=args.reason,
        )
    _print_rollout(status)
    return 0


def cmd_content_diff(args: argparse.Namespace) -> int:
    from app.content import compare

    services = _services()
    with Session(services.engine) as session:
        result = compare.diff_versions(session, args.from_version, args.to_version)
    print(json.dumps(result.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False))
    return 0


def cmd_rules_source(args: argparse.Namespace) -> int:
    from app.content import versions
    from app.rules.versions import AssessmentEngine

    services = _services()
    with Session(services.engine) as session:
        bundle = versions.stored_bundle(session, args.version)
    print(AssessmentEngine(bundle, args.version).source, end="")
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from app.auth import service as keys

    scopes = keys.parse_scopes(args.scope)
    services = _services()
    with Session(services.engine) as session:
        key = keys.create_key(session, args.name, scopes, actor=CLI_ACTOR)
        session.commit()
    print(key)
    print(
        f"key {args.name!r} created with scopes {', '.join(sorted(scopes))}; "
        "it is shown only this once",
        file=sys.stderr,
    )
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from app.auth import repository

    services = _services()
    with Session(services.engine) as session:
        rows = repository.list_keys(session)
    for row in rows:
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        print(f"{row.name}\ttg_{row.prefix}_…\t{row.scopes}\t{state}")
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from app.auth import service as keys

    services = _services()
    with Session(services.engine) as session:
        keys.revoke_key(session, args.name, actor=CLI_ACTOR)
        session.commit()
    print(f"key {args.name!r} revoked")
    return 0


def cmd_webhooks_add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from app.webhooks import service as webhooks
    from app.webhooks.schemas import WebhookCreate

    try:
        request = WebhookCreate(url=args.url, events=args.event, secret=args.secret)
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ValueError(wrong) from None
    services = _services()
    settings = services.settings
    with Session(services.engine) as session:
        created = webhooks.create(
            session,
            request,
            actor=CLI_ACTOR,
            key=webhooks.key_for_new_webhook(session, settings.webhook_secret_key),
            allow_private=settings.webhook_allow_private_targets,
        )
        session.commit()
    print(f"{created.id}\t{created.url}\t{','.join(created.events)}")
    print(created.secret)
    print("the signing secret above is shown only this once", file=sys.stderr)
    return 0


def cmd_webhooks_list(args: argparse.Namespace) -> int:
    from app.webhooks import service as webhooks

    services = _services()
    with Session(services.engine) as session:
        rows = webhooks.list_webhooks(session)
    for row in rows:
        reason = f"\t{row.failure_reason}" if row.failure_reason else ""
        print(f"{row.id}\t{row.url}\t{','.join(row.events)}\t{row.status}{reason}")
    return 0


def cmd_webhooks_remove(args: argparse.Namespace) -> int:
    from app.webhooks import service as webhooks

    services = _services()
    with Session(services.engine) as session:
        webhooks.delete(session, args.id, actor=CLI_ACTOR)
        session.commit()
    print(f"webhook {args.id} removed")
    return 0


def cmd_webhooks_deliveries(args: argparse.Namespace) -> int:
    from app.webhooks import service as webhooks

    services = _services()
    with Session(services.engine) as session:
        page = webhooks.deliveries(session, args.id, limit=args.limit, offset=0)
    for item in page.items:
        last = item.last_status if item.last_status is not None else (item.last_error or "-")
        print(
            f"{item.created_at:%Y-%m-%dT%H:%M:%SZ}\t{item.event_id}\t{item.event_type}\t"
            f"{item.status}\t{item.attempt_count} attempt(s)\t{last}"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tremor-guide", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, load content and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    serve.add_argument("--limit-concurrency", type=int, default=None)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="comma-separated proxy IPs or CIDR networks (or *) whose X-Forwarded-For is "
        "believed; default: FORWARDED_ALLOW_IPS, else none",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--downgrade", metavar="REVISION", help="go down to REVISION instead")
    migrate.set_defaults(func=cmd_migrate)

    content = commands.add_parser("content", help="move, check and publish content bundles")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    imp = content_commands.add_parser("import", help="store a bundle file or folder as a draft")
    imp.add_argument("path")
    imp.add_argument("--notes", default="imported from a file")
    imp.add_argument("--publish", action="store_true", help="publish it right away")
    imp.set_defaults(func=cmd_content_import)
    exp = content_commands.add_parser("export", help="write a stored version to a file")
    exp.add_argument("version", type=int)
    exp.add_argument("path")
    exp.set_defaults(func=cmd_content_export)
    val = content_commands.add_parser("validate", help="check a bundle file, golden cases too")
    val.add_argument("path")
    val.set_defaults(func=cmd_content_validate)
    pub = content_commands.add_parser("publish", help="publish a draft version")
    pub.add_argument("version", type=int)
    pub.add_argument("--force", action="store_true", help="publish despite broken golden cases")
    pub.add_argument("--reason", help="why (required with --force)")
    pub.add_argument(
        "--rollout-percent",
        type=int,
        metavar="PERCENT",
        help="publish as a canary for this share of callers (1 to 99)",
    )
    pub.set_defaults(func=cmd_content_publish)
    dif = content_commands.add_parser("diff", help="what changed between two versions")
    dif.add_argument("from_version", type=int)
    dif.add_argument("to_version", type=int)
    dif.set_defaults(func=cmd_content_diff)

    rollout = commands.add_parser("rollout", help="show, widen, promote or abort a canary")
    rollout_commands = rollout.add_subparsers(dest="rollout_command", required=True)
    rollout_commands.add_parser("status", help="the running canary, if any").set_defaults(
        func=cmd_rollout_status
    )
    widen = rollout_commands.add_parser("set", help="widen or narrow the canary's share")
    widen.add_argument("percent", type=int, help="1 to 99")
    promote = rollout_commands.add_parser("promote", help="make the canary current for everyone")
    abort = rollout_commands.add_parser("abort", help="serve the canary to nobody any more")
    for change in (widen, promote, abort):
        change.add_argument("--reason", help="why (recorded in the audit log)")
        change.set_defaults(func=cmd_rollout_change)

    rules = commands.add_parser("rules", help="look at the code a version's rules become")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    source = rules_commands.add_parser(
        "source", help="print the Python module generated from a version's rules"
    )
    source.add_argument("version", type=int)
    source.set_defaults(func=cmd_rules_source)

    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        help="assess, content:read, content:write, admin or metrics (repeat or comma-separate)",
    )
    create.set_defaults(func=cmd_keys_create)
    key_commands.add_parser("list", help="list keys (never the keys themselves)").set_defaults(
        func=cmd_keys_list
    )
    revoke = key_commands.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_keys_revoke)

    hooks = commands.add_parser("webhooks", help="add, list and remove webhooks; see deliveries")
    hook_commands = hooks.add_subparsers(dest="webhooks_command", required=True)
    add = hook_commands.add_parser("add", help="subscribe a URL and print its secret once")
    add.add_argument("url")
    add.add_argument(
        "--event",
        action="append",
        required=True,
        help="content.published, content.rolled_back or content.rollout_changed (repeat)",
    )
    add.add_argument("--secret", default=None, help="whsec_... (default: a new one)")
    add.set_defaults(func=cmd_webhooks_add)
    hook_commands.add_parser("list", help="list webhooks (never their secrets)").set_defaults(
        func=cmd_webhooks_list
    )
    remove = hook_commands.add_parser("remove", help="remove a webhook by id")
    remove.add_argument("id")
    remove.set_defaults(func=cmd_webhooks_remove)
    shown = hook_commands.add_parser("deliveries", help="a webhook's deliveries, newest first")
    shown.add_argument("id")
    shown.add_argument("--limit", type=int, default=20)
    shown.set_defaults(func=cmd_webhooks_deliveries)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except (BundleFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (DomainError, ProblemError) as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for key, value in exc.extra.items():
            print(json.dumps({key: value}, indent=2, ensure_ascii=False), file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
