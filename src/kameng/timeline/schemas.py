from ninja import Schema


class ProblemOut(Schema):
    stream: str
    code: str
    seq: int | None
    field: str
    detail: str


class VerifyOut(Schema):
    ok: bool
    streams: int
    events: int
    problems: list[ProblemOut]
