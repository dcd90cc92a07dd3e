"""`mission users ACTION`: the people, groups, API tokens and start grants of `mission serve`.

They live in the accounts file beside the run store (`mission/accounts.py`):
passwords hashed with scrypt, tokens and sessions kept as their sha256 only. A
password is never an argument (it would show in `ps` and the shell's history): it
is asked on the terminal, or read from standard input with `--password-stdin`.
A new token is printed once; it cannot be shown again, only replaced.
"""

from __future__ import annotations

import argparse
import sys

from mission.accounts import AccountError, Accounts
from mission.cli import EXIT_OK, UsageError
from mission.serve.locations import accounts_path, add_location_arguments, store_location

ACTIONS = ("list", "add", "passwd", "email", "remove", "join", "leave", "token", "tokens",
           "revoke", "allow", "disallow", "grants")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        add_location_arguments(sub)
        return sub

    action("list", "list the users, their groups and email addresses")
    add = action("add", "add a user (asks for a password; --no-password for a token-only user)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--group", "-g", action="append", default=[], metavar="GROUP",
                     help="a group the user belongs to (repeatable); `admin` may do everything")
    add.add_argument("--email", metavar="ADDRESS",
                     help="where the user's notifications are sent (docs/serve.md)")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    secret.add_argument("--no-password", action="store_true",
                        help="no password: the user signs in with API tokens only")
    passwd = action("passwd", "set a user's password (signs out their sessions and revokes "
                              "their API tokens)")
    passwd.add_argument("name", metavar="NAME")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    email = action("email", "set where a user's notifications are sent, or --clear it")
    email.add_argument("name", metavar="NAME")
    where = email.add_mutually_exclusive_group(required=True)
    where.add_argument("address", metavar="ADDRESS", nargs="?")
    where.add_argument("--clear", action="store_true", help="send the user no email")
    action("remove", "remove a user, their tokens and sessions").add_argument("name",
                                                                             metavar="NAME")
    for name, text in (("join", "add a user to a group"),
                       ("leave", "take a user out of a group")):
        membership = action(name, text)
        membership.add_argument("name", metavar="NAME")
        membership.add_argument("group", metavar="GROUP")
    action("token", "make a new API token for a user (printed once)").add_argument(
        "name", metavar="NAME")
    action("tokens", "list a user's API tokens by their first characters").add_argument(
        "name", metavar="NAME")
    revoke = action("revoke", "revoke one of a user's API tokens (by the characters `tokens` "
                              "shows), or all of them")
    revoke.add_argument("name", metavar="NAME")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("token", metavar="TOKEN", nargs="?",
                       help="the token's first characters, as `mission users tokens` shows")
    which.add_argument("--all", action="store_true", help="every token of the user")
    allow = action("allow", "let a group start a mission (`*`: every mission)")
    allow.add_argument("group", metavar="GROUP")
    allow.add_argument("mission", metavar="MISSION")
    allow.add_argument("--missions", metavar="DIR",
                       help="the directory `mission serve --missions` offers, whose files "
                            "name missions too (default: the registered missions only)")
    disallow = action("disallow", "withdraw a group's grant to start a mission")
    disallow.add_argument("group", metavar="GROUP")
    disallow.add_argument("mission", metavar="MISSION")
    action("grants", "list which group may start which mission")


def run(args: argparse.Namespace) -> int:
    path = accounts_path(args, store_location(args))
    try:
        with Accounts(path) as accounts:
            return _act(args, accounts)
    except AccountError as problem:
        raise UsageError(str(problem)) from None


def _act(args: argparse.Namespace, accounts: Accounts) -> int:
    action = args.action
    if action == "list":
        for user in accounts.users():
            print(f"{user.name}\t{', '.join(sorted(user.groups)) or '-'}\t{user.email or '-'}")
    elif action == "add":
        password = None if args.no_password else _password(args.password_stdin)
        accounts.add_user(args.name, password, list(args.group), args.email)
        print(f"added user `{args.name}`" + (f" in {', '.join(args.group)}" if args.group else "")
              + ("" if password else "; make a token with `mission users token "
                 f"{args.name}`"), file=sys.stderr)
    elif action == "passwd":
        revoked = accounts.set_password(args.name, _password(args.password_stdin))
        print(f"password of `{args.name}` changed; their sessions are signed out and their "
              f"{_count(revoked, 'API token')} revoked (make new ones with `mission users "
              f"token {args.name}`)", file=sys.stderr)
    elif action == "email":
        accounts.set_email(args.name, None if args.clear else args.address)
        print(f"`{args.name}` gets " + ("no email" if args.clear else
                                        f"notifications at {args.address}"), file=sys.stderr)
    elif action == "remove":
        accounts.remove_user(args.name)
        print(f"removed user `{args.name}`", file=sys.stderr)
    elif action == "join":
        accounts.add_to_group(args.name, args.group)
        print(f"`{args.name}` is in group `{args.group}`", file=sys.stderr)
    elif action == "leave":
        accounts.leave_group(args.name, args.group)
        print(f"`{args.name}` is no longer in group `{args.group}`", file=sys.stderr)
    elif action == "token":
        token = accounts.new_token(args.name)
        print(f"a new API token for `{args.name}` (shown once; only its hash is kept):",
              file=sys.stderr)
        print(token)
    elif action == "tokens":
        for prefix in accounts.tokens(args.name):
            print(f"{prefix}…")
    elif action == "revoke":
        revoked = accounts.revoke_token(args.name, None if args.all else args.token)
        print(f"{_count(revoked, 'API token')} of `{args.name}` revoked", file=sys.stderr)
    elif action == "allow":
        if args.mission != "*":
            _known_mission(args.mission, args.missions)
        accounts.allow_start(args.group, args.mission)
        print(f"group `{args.group}` may start "
              + ("every mission" if args.mission == "*" else f"`{args.mission}`"),
              file=sys.stderr)
    elif action == "disallow":
        accounts.disallow_start(args.group, args.mission)
        print(f"group `{args.group}` may no longer start `{args.mission}`", file=sys.stderr)
    elif action == "grants":
        for group, mission in accounts.start_grants():
            print(f"{group}\t{mission}")
    return EXIT_OK


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _known_mission(name: str, missions: str | None) -> None:
    """A grant names a mission a server can start: a registered one, or a file of the
    `--missions DIR` given (by its stem, as `mission serve` names it)."""
    from pathlib import Path

    from compiler.suggest import did_you_mean
    from mission.serve.catalogue import mission_names

    directory = Path(missions) if missions else None
    if directory is not None and not directory.is_dir():
        raise UsageError(f"--missions {directory}: not a directory")
    names = mission_names(directory)
    if name in names:
        return
    hint = "".join(f"; {line}" for line in did_you_mean(name, names))
    where = f"nor a file of {directory}" if directory is not None else \
        "(give --missions DIR for the files `mission serve --missions DIR` offers)"
    raise UsageError(f"there is no mission `{name}`: it is neither a registered mission "
                     f"{where}{hint}; missions: {', '.join(names)}; nothing changed")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise UsageError("the two passwords differ; nothing changed")
    else:
        raise UsageError("give the password on a terminal, or with --password-stdin "
                         "(never as an argument)")
    if len(password) < 8:
        raise UsageError("a password has at least 8 characters; nothing changed")
    return password
