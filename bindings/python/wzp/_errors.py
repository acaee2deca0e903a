"""The exception raised by every libwzp call that fails."""


class WzpError(Exception):
    """A libwzp call failed.

    Attributes:
        code: the negative WZP_ERR_* status code.
        name: the status name, e.g. ``"WZP_ERR_BAD_SIGNATURE"``.
        message: the library's detail message.
    """

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.code = code
        self.name = name
        self.message = message

    def __reduce__(self):
        # Rebuild from the three fields (the default would pass only the formatted text),
        # so the error survives pickling, e.g. across multiprocessing workers.
        return (type(self), (self.code, self.name, self.message))
