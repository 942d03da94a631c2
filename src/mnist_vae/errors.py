"""Errors about a user's input: each message names the file or setting and what was expected."""


class InputError(Exception):
    """Bad input that a user can fix; reported as one line, without a traceback."""


class DataError(InputError, ValueError):
    """A data file that is missing, corrupt or not what was expected."""


class DownloadError(InputError):
    """No source gave a good copy of a file."""


class SettingError(InputError, ValueError):
    """A setting that cannot be honoured (on this machine, or with the other settings)."""


class ConfigError(SettingError):
    """A config the schema refuses."""


class DivergenceError(InputError, ArithmeticError):
    """Training that stopped because its loss or weights became non-finite."""


class OutputError(InputError, OSError):
    """An output that cannot be written (a full disk)."""
