"""``--grep`` patterns (:func:`parse_pattern`), searched in time linear in the text whatever
the pattern: plain text with ``in``, a regular expression with RE2 (google-re2, the ``viewer``
extra), never with Python's backtracking ``re``, which a pattern such as ``(a+)+$`` keeps busy
for ever on a line of ``a``."""

from __future__ import annotations

from typing import Protocol

# Characters that make a pattern a regular expression; without any, it is plain text.
_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_INSTALL = "pip install 'alonechat[viewer]'"


class Pattern(Protocol):
    """What :class:`~alonechat.core.logging.viewer.RecordFilter` searches with: anything with
    a ``search(text)`` that is truthy when ``text`` holds a match (a compiled ``re`` pattern
    too, but :func:`parse_pattern` never makes one)."""

    def search(self, text: str, /) -> object: ...


class _Text:
    """Plain text, found with ``in``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def search(self, text: str, /) -> bool:
        return self.text in text

    def __repr__(self) -> str:
        return f"<text {self.text!r}>"


class _Regex:
    """A regular expression run by RE2 (linear time, no backtracking), over UTF-8."""

    __slots__ = ("_regexp", "pattern")

    def __init__(self, pattern: str) -> None:
        import re2  # the caller checked that it is installed

        options = re2.Options()
        options.log_errors = False  # RE2 would print its errors to stderr: they are raised
        self.pattern = pattern
        try:
            self._regexp = re2.compile(pattern.encode("utf-8", "surrogatepass"), options)
        except re2.error as exc:
            why = exc.args[0] if exc.args else ""
            if isinstance(why, bytes):
                why = why.decode("utf-8", "replace")
            raise ValueError(
                f"invalid regular expression {pattern!r}: {why} (RE2 syntax: Python's, less "
                "lookarounds and backreferences)"
            ) from None

    def search(self, text: str, /) -> bool:
        # a lone surrogate (from a JSON escape) is searched as the viewer shows it: \ud800
        return self._regexp.search(text.encode("utf-8", "backslashreplace")) is not None

    def __repr__(self) -> str:
        return f"<regex {self.pattern!r}>"


def has_re2() -> bool:
    """Whether google-re2 (``import re2``) is installed: regular expressions need it."""
    try:
        import re2  # noqa: F401
    except ImportError:
        return False
    return True


def parse_pattern(text: str) -> Pattern:
    """A ``--grep`` pattern: plain text when it has none of ``. ^ $ * + ? { } [ ] \\ | ( )``
    (searched with ``in``), else a regular expression in RE2's syntax (Python's, less
    lookarounds and backreferences), run by google-re2. Either way a search takes time
    linear in the length of the text.

    Raises:
        ValueError: for an invalid expression, saying why; for a regular expression when
            google-re2 is not installed, saying what to install.
    """
    if not _SPECIAL.intersection(text):
        return _Text(text)
    if not has_re2():
        raise ValueError(
            f"{text!r} is a regular expression: searching with one needs google-re2, which "
            f"cannot backtrack for ever as Python's re can ({_INSTALL}); without it, give "
            "plain text (none of . ^ $ * + ? { } [ ] \\ | ( ))"
        )
    return _Regex(text)
