"""Differential cases: UpdateTable GlobalSecondaryIndexUpdates (create, delete, update).

Every case works on a fresh table (`@NEW@`); `ONE` is a table that already has the
index `gsi0` on `ek`. Successful creations are compared only on provisioned tables:
on on-demand tables DynamoDB Local adds an `OnDemandThroughput` member AWS's documented
shape does not pin down (the e2e suite checks the success path instead).
"""

from cases_common import ANY, ad, aws_error, case, ks, table

UT = "UpdateTable"
CT = "CreateTable"
PT = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
CORAL = "DynamoDB Local drops the '1 validation error detected: Value ... at ...' envelope of AWS's front-end checks"
LOCAL_500 = "DynamoDB Local fails with HTTP 500 (InternalFailure)"


def gsi(name="gsi1", keys=("gk",), projection=None, **extra):
    g = {"IndexName": name, "KeySchema": ks(*keys), "Projection": projection or {"ProjectionType": "ALL"}}
    g.update(extra)
    return g


def plain():
    """Setup: an on-demand table with key `pk`."""
    return [(CT, table())]


def provisioned(*gsis):
    """Setup: a provisioned table, optionally with provisioned GSIs on `ek`."""
    body = table(types={"pk": "S", "ek": "S"} if gsis else None, ProvisionedThroughput=PT)
    if gsis:
        body["GlobalSecondaryIndexes"] = [gsi(n, keys=("ek",), ProvisionedThroughput=PT) for n in gsis]
    return [(CT, body)]


def one():
    """Setup: an on-demand table with the index `gsi0` on `ek`."""
    return [(CT, table(types={"pk": "S", "ek": "S"}, GlobalSecondaryIndexes=[gsi("gsi0", keys=("ek",))]))]


def upd(*updates, defs=None, **extra):
    body = {"TableName": "@NEW@", "GlobalSecondaryIndexUpdates": list(updates)}
    if defs is not None:
        body["AttributeDefinitions"] = ad(**defs)
    body.update(extra)
    return body


def create(**kw):
    return {"Create": gsi(**kw)}


def delete(name):
    return {"Delete": {"IndexName": name}}


def update(name, r=2, w=2):
    return {"Update": {"IndexName": name, "ProvisionedThroughput": {"ReadCapacityUnits": r, "WriteCapacityUnits": w}}}


CASES = [
    # --- Create --------------------------------------------------------------------------
    case("gsi-upd-create-provisioned", UT, upd(create(ProvisionedThroughput=PT), defs={"gk": "S"}), setup=provisioned()),
    case("gsi-upd-create-no-attribute-definitions", UT, upd(create()), setup=plain()),
    case("gsi-upd-create-key-not-defined", UT, upd(create(), defs={"x": "S"}), setup=plain()),
    case("gsi-upd-create-range-not-defined", UT, upd(create(keys=("gk", "gs")), defs={"gk": "S"}), setup=plain()),
    case("gsi-upd-create-existing-name", UT, upd(create(name="gsi0"), defs={"gk": "S"}), setup=one()),
    case("gsi-upd-create-existing-name-before-definitions", UT, upd(create(name="gsi0")), setup=one()),
    case("gsi-upd-create-type-redefined", UT, upd(create(keys=("pk", "gk")), defs={"pk": "N", "gk": "S"}), setup=plain()),
    case("gsi-upd-create-include-without-nonkey", UT, upd(create(projection={"ProjectionType": "INCLUDE"}), defs={"gk": "S"}), setup=plain()),
    case(
        "gsi-upd-create-keys-only-with-nonkey",
        UT,
        upd(create(projection={"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]}), defs={"gk": "S"}),
        setup=plain(),
    ),
    case(
        "gsi-upd-create-duplicate-nonkey",
        UT,
        upd(create(projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "a"]}), defs={"gk": "S"}),
        setup=plain(),
    ),
    case(
        "gsi-upd-create-too-many-projected",
        UT,
        upd(create(projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": [f"a{i}" for i in range(101)]}), defs={"gk": "S"}),
        setup=plain(),
    ),
    case("gsi-upd-create-range-only", UT, upd({"Create": gsi() | {"KeySchema": [{"AttributeName": "gk", "KeyType": "RANGE"}]}}, defs={"gk": "S"}), setup=plain()),
    case(
        "gsi-upd-create-range-first",
        UT,
        upd({"Create": gsi() | {"KeySchema": [{"AttributeName": "gs", "KeyType": "RANGE"}, {"AttributeName": "gk", "KeyType": "HASH"}]}}, defs={"gk": "S", "gs": "S"}),
        setup=plain(),
    ),
    case("gsi-upd-create-same-key-twice", UT, upd(create(keys=("gk", "gk")), defs={"gk": "S"}), setup=plain()),
    case("gsi-upd-two-creates", UT, upd(create(name="gsi1"), create(name="gsi2"), defs={"gk": "S"}), setup=plain()),
    case("gsi-upd-create-and-delete", UT, upd(create(), delete("gsi0"), defs={"gk": "S"}), setup=one()),
    case(
        "gsi-upd-create-21st",
        UT,
        upd(create(name="gsix"), defs={"gk": "S"}),
        setup=[(CT, table(types={"pk": "S", "ek": "S"}, GlobalSecondaryIndexes=[gsi(f"gsi{i:02}", keys=("ek",)) for i in range(20)]))],
    ),
    # --- Delete / Update -----------------------------------------------------------------
    case("gsi-upd-delete", UT, upd(delete("gsi0")), setup=one()),
    case("gsi-upd-delete-missing", UT, upd(delete("nope")), setup=plain()),
    case("gsi-upd-delete-twice", UT, upd(delete("gsi0"), delete("gsi0")), setup=one()),
    case("gsi-upd-delete-and-update-same-index", UT, upd(delete("gsi0"), update("gsi0")), setup=provisioned("gsi0")),
    case("gsi-upd-update-throughput", UT, upd(update("gsi0")), setup=provisioned("gsi0")),
    case("gsi-upd-update-two-indexes", UT, upd(update("gsi0", 3, 3), update("gsi1", 3, 3)), setup=provisioned("gsi0", "gsi1")),
    case("gsi-upd-update-same-throughput", UT, upd(update("gsi0", 1, 1)), setup=provisioned("gsi0")),
    case("gsi-upd-update-zero-throughput", UT, upd(update("gsi0", 0, 1)), setup=provisioned("gsi0")),
    case("gsi-upd-update-without-throughput", UT, upd({"Update": {"IndexName": "gsi0"}}), setup=provisioned("gsi0")),
    case("gsi-upd-update-missing", UT, upd(update("nope")), setup=provisioned()),
    # --- The list itself -----------------------------------------------------------------
    case("gsi-upd-empty-list", UT, upd(), setup=plain()),
    case("gsi-upd-empty-action", UT, upd({}), setup=plain()),
    case("gsi-upd-definitions-only", UT, {"TableName": "@NEW@", "AttributeDefinitions": ad(gk="S")}, setup=plain()),
    # --- AWS front-end checks and DynamoDB Local failures (eddy answers like AWS) ---------
    case("gsi-upd-create-short-name", UT, upd(create(name="ab"), defs={"gk": "S"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'ab' at 'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3")),
    case("gsi-upd-create-no-name", UT, upd({"Create": {"KeySchema": ks("gk"), "Projection": {"ProjectionType": "ALL"}}}, defs={"gk": "S"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy constraint: Member must not be null")),
    case("gsi-upd-create-no-projection", UT, upd({"Create": {"IndexName": "gsi1", "KeySchema": ks("gk")}}, defs={"gk": "S"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.create.projection' failed to satisfy constraint: Member must not be null")),
    case("gsi-upd-create-no-key-schema", UT, upd({"Create": {"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"}}}, defs={"gk": "S"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.create.keySchema' failed to satisfy constraint: Member must not be null")),
    case("gsi-upd-create-bad-projection-type", UT, upd(create(projection={"ProjectionType": "SOME"}), defs={"gk": "S"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'SOME' at 'globalSecondaryIndexUpdates.1.member.create.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, KEYS_ONLY, INCLUDE]")),
    case("gsi-upd-create-bad-key-type", UT, upd({"Create": gsi() | {"KeySchema": [{"AttributeName": "gk", "KeyType": "PRIMARY"}]}}, defs={"gk": "S"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'PRIMARY' at 'globalSecondaryIndexUpdates.1.member.create.keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]")),
    case("gsi-upd-bad-attribute-type", UT, upd(create(), defs={"gk": "X"}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]")),
    case("gsi-upd-delete-no-name", UT, upd({"Delete": {}}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.delete.indexName' failed to satisfy constraint: Member must not be null")),
    case("gsi-upd-several-violations", UT, upd({"Delete": {"IndexName": "x"}}, {"Update": {"IndexName": "bad name"}}), setup=plain(), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "2 validation errors detected: Value 'x' at 'globalSecondaryIndexUpdates.1.member.delete.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'bad name' at 'globalSecondaryIndexUpdates.2.member.update.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")),
    case("gsi-upd-two-actions-in-one-entry", UT, upd({"Delete": {"IndexName": "gsi0"}, "Update": {"IndexName": "gsi0", "ProvisionedThroughput": PT}}), setup=one(), expect_divergence=LOCAL_500,
         eddy=aws_error("ValidationException", ANY)),
    case("gsi-upd-update-on-demand", UT, upd(update("gsi0")), setup=one(), expect_divergence=LOCAL_500,
         eddy=aws_error("ValidationException", ANY)),
    case("gsi-upd-create-without-throughput-on-provisioned", UT, upd(create(), defs={"gk": "S"}), setup=provisioned(), expect_divergence=LOCAL_500,
         eddy=aws_error("ValidationException", "No provisioned throughput specified for the global secondary index")),
    case("gsi-upd-create-throughput-on-demand", UT, upd(create(ProvisionedThroughput=PT), defs={"gk": "S"}), setup=plain(),
         expect_divergence="DynamoDB Local accepts index throughput on an on-demand table; AWS refuses it (as CreateTable does)",
         eddy=aws_error("ValidationException", "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: gsi1 when BillingMode is PAY_PER_REQUEST")),
]
