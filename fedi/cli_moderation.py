"""`fedi accounts suspend|unsuspend|delete|approve|role`, `fedi domains …`, `fedi reports list`
and `fedi rules …`: the tootctl commands an admin reaches for. Actions are written to the audit
log with no moderator (the command line); running servers see domain changes within seconds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

    from fedi.models.accounts import Account
    from fedi.runtime import Runtime

domains_app = typer.Typer(help="Block, unblock, allow, list and purge remote domains.", no_args_is_help=True)
reports_app = typer.Typer(help="Read the report queue.", no_args_is_help=True)
rules_app = typer.Typer(help="List and edit the server rules.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="A local username (alice) or a remote handle (bob@example.org).")]
Domain = Annotated[str, typer.Argument(help="A remote domain, e.g. spam.example (covers its subdomains).")]


def _runtime() -> Runtime:
    from fedi.cli_common import runtime_for_command as _runtime_for_command

    return _runtime_for_command()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"fedi: {message}", err=True)
    return typer.Exit(1)


def _account(session: Session, name: str) -> Account:
    from fedi.store import accounts as account_store

    username, _, domain = name.lstrip("@").partition("@")
    found = account_store.by_acct(session, username, domain or None)
    if found is None:
        raise _fail(f"no account {name!r} is known here")
    return found


def _run(message: str, action: object) -> None:
    """Run `action(session, runtime)` in one transaction; a refusal exits with its reason."""
    from fedi.errors import FediError

    runtime = _runtime()
    try:
        with runtime.db.session() as session:
            action(session, runtime)  # type: ignore[operator]
    except FediError as exc:
        raise _fail(exc.message) from None
    typer.echo(message)


def add_account_commands(accounts_app: typer.Typer) -> None:
    @accounts_app.command("suspend")
    def suspend(
        name: Name, reason: Annotated[str, typer.Option(help="Why (kept with the warning).")] = ""
    ) -> None:
        """Suspend an account: a local one is deleted on other servers and cannot sign in; its
        posts are hidden, and `unsuspend` brings it back within 30 days."""
        from fedi.services.moderation import Action, act

        _run(
            f"suspended {name}",
            lambda s, rt: act(s, rt, _account(s, name).id, Action.SUSPEND, by=None, text=reason),
        )

    @accounts_app.command("unsuspend")
    def unsuspend(name: Name) -> None:
        """Lift a suspension (within 30 days of it)."""
        from fedi.services.moderation import Action, undo

        _run(f"unsuspended {name}", lambda s, rt: undo(s, rt, _account(s, name).id, Action.SUSPEND, by=None))

    @accounts_app.command("delete")
    def delete(
        name: Name,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    ) -> None:
        """Delete a local account for good: other servers are told, its posts and follows go."""
        from fedi.services.moderation import delete_local

        if not yes:
            typer.confirm(f"Delete {name} and everything it posted?", abort=True)
        _run(f"deleted {name}", lambda s, rt: delete_local(s, rt, _account(s, name).id, by=None))

    @accounts_app.command("approve")
    def approve(name: Name) -> None:
        """Approve a sign-up waiting in the queue (approval mode)."""
        from fedi.services.moderation import approve as approve_account

        _run(f"approved {name}", lambda s, rt: approve_account(s, _account(s, name).id, by=None))

    @accounts_app.command("role")
    def role(
        name: Name,
        new_role: Annotated[str, typer.Argument(metavar="ROLE", help="user, moderator, admin or owner.")],
    ) -> None:
        """Give a local account a role."""
        from fedi.models.accounts import Role
        from fedi.services.moderation import set_role

        if new_role not in set(Role):
            raise _fail(f"ROLE must be one of {', '.join(Role)}")
        _run(
            f"{name} is now {new_role}",
            lambda s, rt: set_role(s, _account(s, name).id, Role(new_role), by=None),
        )


@domains_app.command("block")
def block(
    domain: Domain,
    severity: Annotated[
        str, typer.Option(help="suspend, silence or noop (only the reject flags).")
    ] = "suspend",
    reject_media: Annotated[bool, typer.Option("--reject-media", help="Do not show its media.")] = False,
    reject_reports: Annotated[bool, typer.Option("--reject-reports", help="Ignore its reports.")] = False,
    public_comment: Annotated[str | None, typer.Option(help="Shown in the public list of blocks.")] = None,
    private_comment: Annotated[str | None, typer.Option(help="For moderators only.")] = None,
    obfuscate: Annotated[
        bool, typer.Option("--obfuscate", help="Hide part of the name in the public list.")
    ] = False,
) -> None:
    """Block a domain, or change its block."""
    from fedi.models.moderation import Severity
    from fedi.services import domain_blocks
    from fedi.store import moderation as store

    if severity not in set(Severity):
        raise _fail(f"--severity must be one of {', '.join(Severity)}")
    settings = domain_blocks.BlockSettings(
        Severity(severity), reject_media, reject_reports, private_comment, public_comment, obfuscate
    )

    def apply(session: Session, rt: Runtime) -> None:
        existing = store.domain_block_by_domain(session, domain_blocks.normalize(rt, domain))
        if existing is None:
            domain_blocks.create_block(session, rt, domain, settings, by=None)
        else:
            domain_blocks.update_block(session, rt, existing.id, settings, by=None)

    _run(f"blocked {domain} ({severity})", apply)


@domains_app.command("unblock")
def unblock(domain: Domain) -> None:
    """Lift a domain's block: new activity federates again (purged posts stay gone)."""
    from fedi.services import domain_blocks

    _run(
        f"unblocked {domain}",
        lambda s, rt: domain_blocks.delete_block(
            s, rt, domain_blocks.block_by_domain(s, rt, domain).id, by=None
        ),
    )


@domains_app.command("allow")
def allow(domain: Domain) -> None:
    """Put a domain on the allow list (what federates in allowlist mode)."""
    from fedi.services import domain_blocks

    _run(f"allowed {domain}", lambda s, rt: domain_blocks.create_allow(s, rt, domain, by=None))


@domains_app.command("disallow")
def disallow(domain: Domain) -> None:
    """Take a domain off the allow list."""
    from fedi.services import domain_blocks

    _run(
        f"{domain} is no longer allowed",
        lambda s, rt: domain_blocks.delete_allow(
            s, rt, domain_blocks.allow_by_domain(s, rt, domain).id, by=None
        ),
    )


@domains_app.command("list")
def list_blocks() -> None:
    """List blocked domains, and allowed ones (used in allowlist mode)."""
    from fedi.store import moderation as store

    runtime = _runtime()
    with runtime.db.reader() as session:
        blocks, allows = store.domain_blocks(session), store.domain_allows(session)
    if not blocks and not allows:
        typer.echo("no domain is blocked or allowed")
    for item in blocks:
        flags = [name for name in ("reject_media", "reject_reports", "obfuscate") if getattr(item, name)]
        comment = f"\t{item.private_comment}" if item.private_comment else ""
        typer.echo(f"{item.domain}\t{item.severity}\t{','.join(flags) or '-'}{comment}")
    for allowed in allows:
        typer.echo(f"{allowed.domain}\tallowed")


@domains_app.command("purge")
def purge(domain: Domain) -> None:
    """Remove the posts and follows of every account from a domain (and its subdomains)."""
    from fedi.services import domain_blocks
    from fedi.services.purge import purge_domain

    runtime = _runtime()
    from fedi.errors import FediError

    try:
        removed = purge_domain(runtime, domain_blocks.normalize(runtime, domain), everyone=True)
    except FediError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"removed {removed} posts from {domain}")


@reports_app.command("list")
def list_reports(
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Resolved reports instead of open ones.")
    ] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1, max=1000)] = 50,
) -> None:
    """List reports: id, date, who reported whom, category and comment."""
    from fedi.store import moderation as store
    from fedi.store.paging import Page
    from fedi.store.views import report_views

    runtime = _runtime()
    with runtime.db.reader() as session:
        views = report_views(session, store.reports(session, Page(limit=limit), resolved=resolved))
    if not views:
        typer.echo("no resolved reports" if resolved else "no open reports")
    for view in views:
        report = view.report
        reporter = view.reporter.acct() if view.reporter else "?"
        comment = report.comment.replace("\n", " ")[:80]
        typer.echo(
            f"{report.id}\t{report.created_at:%Y-%m-%d %H:%M}\t{reporter} -> {view.target.acct()}"
            f"\t{report.category}\t{len(view.statuses)} posts\t{comment}"
        )


@rules_app.command("list")
def list_rules() -> None:
    """The server rules in force, with their ids (reports name rules by id)."""
    from fedi.services import rules

    runtime = _runtime()
    with runtime.db.reader() as session:
        in_force = rules.current(session, runtime.settings)
    if not in_force:
        typer.echo("no rules yet: add one with `fedi rules add TEXT`")
    for rule in in_force:
        hint = f"\t({rule.hint})" if rule.hint else ""
        typer.echo(f"{rule.id}\t{rule.text}{hint}")


@rules_app.command("add")
def add_rule(
    text: Annotated[str, typer.Argument(help="The rule, at most 300 characters.")],
    hint: Annotated[str, typer.Option(help="A longer explanation.")] = "",
) -> None:
    """Add a rule at the end."""
    from fedi.services import rules

    _run("rule added", lambda s, rt: rules.add(s, rt.settings, text, hint, by=None))


@rules_app.command("edit")
def edit_rule(
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id (see `fedi rules list`).")],
    text: Annotated[str, typer.Argument(help="The new wording.")],
    hint: Annotated[str | None, typer.Option(help="A new explanation (unchanged when left out).")] = None,
) -> None:
    """Reword a rule (reports that named it keep naming it)."""
    from fedi.services import rules

    _run(f"rule {rule_id} changed", lambda s, rt: rules.edit(s, rt.settings, rule_id, text, hint, by=None))


@rules_app.command("remove")
def remove_rule(
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id (see `fedi rules list`).")],
) -> None:
    """Remove a rule (reports that named it still show it)."""
    from fedi.services import rules

    _run(f"rule {rule_id} removed", lambda s, rt: rules.remove(s, rt.settings, rule_id, by=None))
