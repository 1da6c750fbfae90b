"""The errors the domain raises; each carries the exit code the command line uses."""


class DomainError(Exception):
    """A request the rules refuse; the message says what and why, for a volunteer to read."""

    exit_code = 1
    audited = False
    """Set once the refusal is in the audit log, so that a caller (a method calling
    another, both audited) does not log it again."""


class NotAuthorised(DomainError):
    """The person is not on the roster, has had their rights withdrawn, or their role
    does not allow the action. Nothing was changed."""

    exit_code = 3

    def __init__(self, message: str, refused_login: str | None = None):
        super().__init__(message)
        self.refused_login = refused_login
        """Set when the login itself is not (or no longer) authorised: suspicious activity."""


class NotFound(DomainError):
    exit_code = 4


class InvalidInput(DomainError):
    """Input that cannot be accepted as given (too long, a time that does not exist, ...)."""

    exit_code = 2


class InvalidState(DomainError):
    """The thing is not in a state where this can be done (clearing a draft, ...)."""

    exit_code = 1


class ScreenRefusal(InvalidState):
    """The policy screen finds, for what was asked, something the clearer did not see (a
    cleared post scheduled for a day on which its words are no longer timely). Nothing was
    changed; the refusal is kept in the audit log."""


class Refused(InvalidInput):
    """Input well-formed in itself that the rules refuse for this post: what an outlet
    cannot carry (a thread, a poll beyond its limits), a post with nothing to say or
    nowhere to go, a blocked post cleared without the reason an override needs. Like
    every refusal it is kept in the audit log; exit code 2, as for any input."""
