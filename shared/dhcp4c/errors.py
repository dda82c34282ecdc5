"""The two error families of dhcp4c (after h11).

MalformedError: the peer sent garbage. Raised by decoders; its message names
the field and the byte offset. It subclasses ValueError so callers that only
know "bad value" still catch it.

UsageError: the caller used the API wrongly (bad argument, command not
allowed in this state). Never raised because of network input.
"""


class MalformedError(ValueError):
    def __init__(self, field, offset, why):
        super().__init__("{} at offset {}: {}".format(field, offset, why))
        self.field = field
        self.offset = offset
        self.why = why


class UsageError(Exception):
    pass
