"""Differential cases: UpdateTimeToLive and DescribeTimeToLive.

DynamoDB Local agrees with AWS on the state checks (already enabled / already disabled)
and the response shapes. It differs on the request-shape messages (AWS's Coral
constraint format), on the "different AttributeName" message (AWS names the current
attribute), and it enforces no cooldown between changes (spec aws-behaviour.md §4.1,
§1.13 L13); those cases carry AWS's answer as the `eddy` expectation.
"""

from cases_common import ANY, aws_error, case, table

NEW = "@NEW@"
CREATE = ("CreateTable", table())


def spec(enabled=None, name=None, tbl=NEW) -> dict:
    """An UpdateTimeToLive body; `None` leaves a member out."""
    s = {}
    if enabled is not None:
        s["Enabled"] = enabled
    if name is not None:
        s["AttributeName"] = name
    return {"TableName": tbl, "TimeToLiveSpecification": s}


ENABLE_EXP = ("UpdateTimeToLive", spec(True, "exp"))
SHAPE = "DynamoDB Local drops the '1 validation error detected: Value ... at ...' envelope and uses its own wording"
DIFFERENT = "AWS names the active attribute: 'TimeToLive is active on a different AttributeName: current AttributeName is X'"
COOLDOWN = "AWS refuses a second TTL change within about an hour (spec §4.1); DynamoDB Local has no cooldown (§1.13 L13)"
MISSING = "DynamoDB Local says 'Cannot do operations on a non-existent table'"
SERIALIZATION = {"status": 400, "type": "SerializationException", "message": ANY, "extra": {}}


def coral(*violations: str) -> dict:
    n = len(violations)
    head = f"{n} validation error{'s' if n > 1 else ''} detected: "
    return aws_error("ValidationException", head + "; ".join(violations))


def null(member: str) -> str:
    return f"Value null at '{member}' failed to satisfy constraint: Member must not be null"


NAME = "timeToLiveSpecification.attributeName"

CASES = [
    # Where DynamoDB Local answers like AWS.
    case("ttl-describe-fresh", "DescribeTimeToLive", {"TableName": NEW}, setup=[CREATE]),
    case("ttl-enable", "UpdateTimeToLive", spec(True, "exp"), setup=[CREATE]),
    case("ttl-describe-enabled", "DescribeTimeToLive", {"TableName": NEW}, setup=[CREATE, ENABLE_EXP]),
    case("ttl-enable-twice", "UpdateTimeToLive", spec(True, "exp"), setup=[CREATE, ENABLE_EXP]),
    case("ttl-disable-when-disabled", "UpdateTimeToLive", spec(False, "exp"), setup=[CREATE]),
    case("ttl-enable-255-char-name", "UpdateTimeToLive", spec(True, "a" * 255), setup=[CREATE]),
    case("ttl-describe-255-char-name", "DescribeTimeToLive", {"TableName": NEW},
         setup=[CREATE, ("UpdateTimeToLive", spec(True, "t" * 255))]),
    case("ttl-enable-on-key-attribute", "UpdateTimeToLive", spec(True, "pk"), setup=[CREATE]),
    case("ttl-enable-dotted-name", "UpdateTimeToLive", spec(True, "a.b"), setup=[CREATE]),
    case("ttl-unknown-member-ignored", "UpdateTimeToLive", dict(spec(True, "exp"), Bogus=1), setup=[CREATE]),
    case("ttl-describe-table-unchanged", "DescribeTable", {"TableName": NEW}, setup=[CREATE, ENABLE_EXP]),
    # Where AWS differs from DynamoDB Local.
    case("ttl-describe-missing-table", "DescribeTimeToLive", {"TableName": "@RUN@missing"},
         expect_divergence=MISSING,
         eddy=aws_error("ResourceNotFoundException", "Requested resource not found: Table: @RUN@missing not found")),
    case("ttl-update-missing-table", "UpdateTimeToLive", spec(True, "exp", "@RUN@missing"),
         expect_divergence=MISSING,
         eddy=aws_error("ResourceNotFoundException", "Requested resource not found: Table: @RUN@missing not found")),
    case("ttl-describe-no-table-name", "DescribeTimeToLive", {}, expect_divergence=SHAPE, eddy=coral(null("tableName"))),
    case("ttl-describe-short-table-name", "DescribeTimeToLive", {"TableName": "x"}, expect_divergence=SHAPE,
         eddy=coral("Value 'x' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")),
    case("ttl-missing-specification", "UpdateTimeToLive", {"TableName": NEW}, setup=[CREATE],
         expect_divergence=SHAPE, eddy=coral(null("timeToLiveSpecification"))),
    case("ttl-missing-table-and-specification", "UpdateTimeToLive", {}, expect_divergence=SHAPE,
         eddy=coral(null("tableName"), null("timeToLiveSpecification"))),
    case("ttl-empty-specification", "UpdateTimeToLive", spec(), setup=[CREATE], expect_divergence=SHAPE,
         eddy=coral(null("timeToLiveSpecification.enabled"), null(NAME))),
    case("ttl-missing-enabled", "UpdateTimeToLive", spec(name="exp"), setup=[CREATE], expect_divergence=SHAPE,
         eddy=coral(null("timeToLiveSpecification.enabled"))),
    case("ttl-missing-attribute-name", "UpdateTimeToLive", spec(True), setup=[CREATE], expect_divergence=SHAPE,
         eddy=coral(null(NAME))),
    case("ttl-disable-missing-attribute-name", "UpdateTimeToLive", spec(False), setup=[CREATE],
         expect_divergence=SHAPE, eddy=coral(null(NAME))),
    case("ttl-empty-attribute-name", "UpdateTimeToLive", spec(True, ""), setup=[CREATE], expect_divergence=SHAPE,
         eddy=coral(f"Value '' at '{NAME}' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    case("ttl-disable-empty-attribute-name", "UpdateTimeToLive", spec(False, ""), setup=[CREATE],
         expect_divergence="DynamoDB Local checks the state before the name; AWS validates the request shape first",
         eddy=coral(f"Value '' at '{NAME}' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    case("ttl-256-char-attribute-name", "UpdateTimeToLive", spec(True, "a" * 256), setup=[CREATE],
         expect_divergence=SHAPE,
         eddy=coral(f"Value '{'a' * 256}' at '{NAME}' failed to satisfy constraint: Member must have length less than or equal to 255")),
    case("ttl-enable-different-attribute", "UpdateTimeToLive", spec(True, "other"), setup=[CREATE, ENABLE_EXP],
         expect_divergence=DIFFERENT,
         eddy=aws_error("ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is exp")),
    case("ttl-disable-different-attribute", "UpdateTimeToLive", spec(False, "other"), setup=[CREATE, ENABLE_EXP],
         expect_divergence=DIFFERENT,
         eddy=aws_error("ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is exp")),
    case("ttl-disable-within-cooldown", "UpdateTimeToLive", spec(False, "exp"), setup=[CREATE, ENABLE_EXP],
         expect_divergence=COOLDOWN,
         eddy=aws_error("ValidationException", "Time to live has been modified multiple times within a fixed interval")),
    case("ttl-enabled-not-boolean", "UpdateTimeToLive", spec("yes", "exp"), setup=[CREATE],
         expect_divergence="DynamoDB Local fails with HTTP 500 InternalFailure; AWS answers 400 SerializationException",
         eddy=SERIALIZATION),
    case("ttl-attribute-name-number", "UpdateTimeToLive", spec(True, 5), setup=[CREATE],
         expect_divergence="DynamoDB Local coerces the number to a string", eddy=SERIALIZATION),
    case("ttl-specification-not-object", "UpdateTimeToLive", {"TableName": NEW, "TimeToLiveSpecification": "x"},
         setup=[CREATE],
         expect_divergence="DynamoDB Local fails with HTTP 500 InternalFailure; AWS answers 400 SerializationException",
         eddy=SERIALIZATION),
]
