"""Differential cases: Query and Scan (key conditions, order, paging, Select, filters,
legacy KeyConditions/QueryFilter/ScanFilter, indexes, capacity, validation messages).

Queries use the session tables with a partition of their own (`pk` = `qs-...`, written by
idempotent setup puts). Scans use fresh tables (`@NEW@`): a shared table would also hold
what other cases wrote, and cases with `expect_divergence` run on eddy only. Scan results
are compared as sets (see `differ.py`): eddy returns them in hash order, Local in its own.
"""

from cases_common import ANY, B, N, S, aws_error, case, put, table

C = "@COMP@"  # pk S, sk N
H = "@HASH@"  # pk S
I = "@IDX@"  # pk S, sk S; lsi1 (pk, lsk N) KEYS_ONLY; gsi1 (gpk) ALL
Q, SC = "Query", "Scan"
CORAL = "DynamoDB Local drops the '1 validation error detected: Value ... at ...' envelope of AWS's front-end checks"
MISSED = "AWS names the missing key attribute ('Query condition missed key schema element: pk'); Local omits it"

NUMS = ["-1E+100", "-100", "-10.5", "-10", "-1", "-0.001", "0", "0.001", "1", "1.5", "10.25", "99999999999999999999"]


def numbers(pk="qs-num"):
    """Setup: twelve items of one partition, written in a shuffled order."""
    order = [5, 11, 0, 7, 2, 9, 4, 1, 10, 3, 8, 6]
    return [put(C, {"pk": S(pk), "sk": N(NUMS[i]), "i": N(i), "odd": {"BOOL": i % 2 == 1}}) for i in order]


def q(kce="pk = :p", values=None, pk="qs-num", table_name=C, **extra):
    body = {"TableName": table_name, "KeyConditionExpression": kce,
            "ExpressionAttributeValues": {":p": S(pk), **(values or {})}}
    body.update(extra)
    return body


def legacy(conds, table_name=C, **extra):
    body = {"TableName": table_name, "KeyConditions": {
        k: {"ComparisonOperator": op, "AttributeValueList": vals} for k, (op, vals) in conds.items()}}
    body.update(extra)
    return body


BIN_TABLE = table(keys=("pk", "sk"), types={"pk": "S", "sk": "B"})
BINS = ["AA==", "AAA=", "AAE=", "AQ==", "fw==", "gA==", "/w==", "/wA=", "//8=", "YQ==", "YQBi", "YWI="]
BIN_SETUP = [("CreateTable", BIN_TABLE)] + [put("@NEW@", {"pk": S("b"), "sk": B(b)}) for b in BINS]
STR_TABLE = table(keys=("pk", "sk"), types={"pk": "S", "sk": "S"})
STRS = ["a", "B", "b", "é", "\uffff", "\U0001F600", "ÿ", "z", "aa", "a b", "€"]
STR_SETUP = [("CreateTable", STR_TABLE)] + [put("@NEW@", {"pk": S("u"), "sk": S(v)}) for v in STRS]
SCAN_SETUP = [("CreateTable", table())] + [put("@NEW@", {"pk": S(f"k{i}"), "v": N(i), "t": S("even" if i % 2 == 0 else "odd")}) for i in range(8)]
# Four items of exactly 262,144 bytes: together exactly 1 MiB.
MB_SETUP = [put(C, {"pk": S("qs-mb"), "sk": N(i), "d": S("x" * 262134)}) for i in range(1, 6)]
IDX_SETUP = [put(I, {"pk": S("qs-i"), "sk": S(f"s{i}"), "lsk": N(100 - 7 * i), "gpk": S("qs-g"), "x": N(i)}) for i in range(5)]
GSI_TABLE = table(keys=("pk",), types={"pk": "S", "g": "S"}, GlobalSecondaryIndexes=[
    {"IndexName": "gki", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}])

CASES = [
    # --- order and key conditions ------------------------------------------------------------
    case("qs-numbers-forward", Q, q(), setup=numbers()),
    case("qs-numbers-reverse", Q, q(ScanIndexForward=False), setup=numbers()),
    case("qs-lt", Q, q("pk = :p AND sk < :v", {":v": N("-1")}), setup=numbers()),
    case("qs-le-reversed-operands", Q, q("pk = :p AND :v >= sk", {":v": N("-1")}), setup=numbers()),
    case("qs-gt", Q, q("pk = :p AND sk > :v", {":v": N("0")}), setup=numbers()),
    case("qs-ge-parens", Q, q("(pk = :p) AND (sk >= :v)", {":v": N("1.50")}), setup=numbers()),
    case("qs-between", Q, q("pk = :p AND sk BETWEEN :a AND :b", {":a": N("-10.5"), ":b": N("0.001")}), setup=numbers()),
    case("qs-eq-number-text", Q, q("sk = :v AND pk = :p", {":v": N("10.250")}), setup=numbers()),
    case("qs-binary-order", Q, q(pk="b", table_name="@NEW@"), setup=BIN_SETUP),
    case("qs-binary-begins-with-zero", Q, q("pk = :p AND begins_with(sk, :v)", {":v": B("AA==")}, pk="b", table_name="@NEW@"), setup=BIN_SETUP),
    case("qs-binary-begins-with-ff", Q, q("pk = :p AND begins_with(sk, :v)", {":v": B("/w==")}, pk="b", table_name="@NEW@", ScanIndexForward=False), setup=BIN_SETUP),
    case("qs-string-utf8-order", Q, q(pk="u", table_name="@NEW@"), setup=STR_SETUP),
    case("qs-string-begins-with", Q, q("pk = :p AND begins_with(sk, :v)", {":v": S("a")}, pk="u", table_name="@NEW@"), setup=STR_SETUP),
    case("qs-legacy-key-conditions", Q, legacy({"pk": ("EQ", [S("qs-num")]), "sk": ("BETWEEN", [N("-1"), N("2")])},
                                               QueryFilter={"odd": {"ComparisonOperator": "EQ", "AttributeValueList": [{"BOOL": True}]}}), setup=numbers()),
    case("qs-legacy-attributes-to-get", Q, legacy({"pk": ("EQ", [S("qs-num")]), "sk": ("GT", [N("10")])}, AttributesToGet=["i"]), setup=numbers()),
    # --- paging, Limit, filters, Select --------------------------------------------------------
    case("qs-limit-last-key", Q, q(Limit=3), setup=numbers()),
    case("qs-limit-exact-still-has-last-key", Q, q("pk = :p AND sk > :v", {":v": N("10")}, Limit=2), setup=numbers()),
    case("qs-exclusive-start-key", Q, q(Limit=4, ExclusiveStartKey={"pk": S("qs-num"), "sk": N("-1")}), setup=numbers()),
    case("qs-exclusive-start-key-reverse", Q, q(ScanIndexForward=False, ExclusiveStartKey={"pk": S("qs-num"), "sk": N("0")}), setup=numbers()),
    case("qs-filter-with-limit", Q, q(Limit=5, FilterExpression="odd = :t", values={":t": {"BOOL": True}}), setup=numbers()),
    case("qs-select-count", Q, q(Select="COUNT", FilterExpression="odd = :f", values={":f": {"BOOL": False}}), setup=numbers()),
    case("qs-projection", Q, q(ProjectionExpression="i, #o", ExpressionAttributeNames={"#o": "odd"}, Limit=3), setup=numbers()),
    case("qs-one-megabyte-page", Q, q(pk="qs-mb", Select="COUNT", ReturnConsumedCapacity="TOTAL"), setup=MB_SETUP),
    case("qs-one-megabyte-page-with-filter", Q, q(pk="qs-mb", FilterExpression="d = :z", values={":z": S("nothing")}), setup=MB_SETUP,
         expect_divergence="AWS applies the 1 MB page limit to the items read, before the filter; DynamoDB Local to the items after it",
         eddy={"status": 200, "body": {"Items": [], "Count": 0, "ScannedCount": 4, "LastEvaluatedKey": {"pk": S("qs-mb"), "sk": N("4")}}}),
    case("qs-capacity-indexes-consistent", Q, q(ReturnConsumedCapacity="INDEXES", ConsistentRead=True), setup=numbers()),
    case("qs-capacity-empty", Q, q(pk="qs-nothing", ReturnConsumedCapacity="TOTAL"),
         expect_divergence="AWS: a read that returns nothing consumes the minimum read capacity (0.5 eventually consistent); Local reports 0",
         eddy={"status": 200, "body": {"Items": [], "Count": 0, "ScannedCount": 0, "ConsumedCapacity": {"TableName": ANY, "CapacityUnits": 0.5}}}),
    # --- indexes ----------------------------------------------------------------------------------
    case("qs-lsi-order", Q, q(pk="qs-i", table_name=I, IndexName="lsi1"), setup=IDX_SETUP),
    case("qs-lsi-all-attributes-fetch", Q, q("pk = :p AND lsk > :v", {":v": N("80")}, pk="qs-i", table_name=I, IndexName="lsi1",
                                             Select="ALL_ATTRIBUTES", ReturnConsumedCapacity="INDEXES"), setup=IDX_SETUP),
    case("qs-lsi-limit-last-key", Q, q(pk="qs-i", table_name=I, IndexName="lsi1", Limit=2, ScanIndexForward=False), setup=IDX_SETUP),
    case("qs-gsi-hash-only", Q, q("gpk = :p", pk="qs-g", table_name=I, IndexName="gsi1", ReturnConsumedCapacity="INDEXES"), setup=IDX_SETUP, unordered=True),
    case("qs-gsi-filter-not-projected", Q, q("g = :p", {":v": S("x")}, pk="a", table_name="@NEW@", IndexName="gki", FilterExpression="v = :v"),
         setup=[("CreateTable", GSI_TABLE)]),
    case("qs-gsi-projection-not-projected", Q, q("g = :p", pk="a", table_name="@NEW@", IndexName="gki", ProjectionExpression="z, v, pk"),
         setup=[("CreateTable", GSI_TABLE)]),
    case("qs-gsi-all-attributes", Q, q("g = :p", pk="a", table_name="@NEW@", IndexName="gki", Select="ALL_ATTRIBUTES"),
         setup=[("CreateTable", GSI_TABLE)]),
    case("qs-gsi-consistent-read", Q, q("gpk = :p", table_name=I, IndexName="gsi1", ConsistentRead=True)),
    case("qs-index-missing", Q, q(IndexName="nope")),
    case("qs-all-projected-on-table", Q, q(Select="ALL_PROJECTED_ATTRIBUTES")),
    # --- key-condition errors ---------------------------------------------------------------------
    case("qs-err-or", Q, q("pk = :p OR sk = :v", {":v": N(1)})),
    case("qs-err-not", Q, q("NOT pk = :p")),
    case("qs-err-in", Q, q("pk IN (:p)")),
    case("qs-err-contains", Q, q("pk = :p AND contains(sk, :v)", {":v": N(1)})),
    case("qs-err-size", Q, q("pk = :p AND size(sk) > :v", {":v": N(1)})),
    case("qs-err-two-conditions-one-key", Q, q("pk = :p AND sk > :v AND sk < :v", {":v": N(1)})),
    case("qs-err-three-keys", Q, q("pk = :p AND a = :v AND b = :v", {":v": N(1)})),
    case("qs-err-multiple-attributes", Q, q("pk = sk")),
    case("qs-err-no-key-attribute", Q, q(":p = :p")),
    case("qs-err-nested-key", Q, q("pk = :p AND sk.a = :v", {":v": N(1)})),
    case("qs-err-nested-non-key", Q, q("pk = :p AND x.y = :v", {":v": N(1)})),
    case("qs-err-between-first-operand", Q, q("pk = :p AND :v BETWEEN sk AND :v", {":v": N(1)})),
    case("qs-err-between-bounds", Q, q("pk = :p AND sk BETWEEN :a AND :b", {":a": N(5), ":b": N(1)})),
    case("qs-err-begins-with-number", Q, q("pk = :p AND begins_with(sk, :v)", {":v": N(1)})),
    case("qs-err-type-mismatch", Q, q("pk = :p AND sk = :v", {":v": S("1")})),
    case("qs-err-hash-not-equal", Q, q("pk > :p")),
    case("qs-err-hash-table-two-conditions", Q, q("pk = :p AND x = :p", table_name=H)),
    case("qs-err-empty-key-value", Q, q(pk="")),
    case("qs-err-neither", Q, {"TableName": C}),
    case("qs-err-mixed", Q, q(AttributesToGet=["i"])),
    case("qs-err-filter-on-key", Q, q(FilterExpression="sk > :v", values={":v": N(1)})),
    case("qs-err-select-specific-without-projection", Q, q(Select="SPECIFIC_ATTRIBUTES")),
    case("qs-err-select-count-with-projection", Q, q(Select="COUNT", ProjectionExpression="i")),
    case("qs-err-missing-partition-key", Q, {"TableName": C, "KeyConditionExpression": "sk = :v", "ExpressionAttributeValues": {":v": N(1)}},
         expect_divergence=MISSED, eddy=aws_error("ValidationException", "Query condition missed key schema element: pk")),
    case("qs-err-missing-sort-key", Q, q("pk = :p AND colour = :v", {":v": N(1)}),
         expect_divergence=MISSED, eddy=aws_error("ValidationException", "Query condition missed key schema element: sk")),
    case("qs-err-limit-zero", Q, q(Limit=0), expect_divergence=CORAL,
         eddy=aws_error("ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")),
    case("qs-err-start-key-size", Q, q(ExclusiveStartKey={"pk": S("qs-num")})),
    case("qs-err-start-key-type", Q, q(ExclusiveStartKey={"pk": S("qs-num"), "sk": S("1")}),
         expect_divergence="DynamoDB Local says 'Type mismatch for attribute to update'",
         eddy=aws_error("ValidationException", "The provided key element does not match the schema")),
    case("qs-err-start-key-outside", Q, q(ExclusiveStartKey={"pk": S("other"), "sk": N("1")}),
         expect_divergence="AWS (dynalite's recordings) says the key is outside the query's boundaries; Local that it does not match the range key predicate",
         eddy=aws_error("ValidationException", "The provided starting key is outside query boundaries based on provided conditions")),
    case("qs-err-start-key-range-predicate", Q, q("pk = :p AND sk > :v", {":v": N(5)}, ExclusiveStartKey={"pk": S("qs-num"), "sk": N("1")})),
    # --- Scan -----------------------------------------------------------------------------------------
    case("sc-all", SC, {"TableName": "@NEW@"}, setup=SCAN_SETUP),
    case("sc-filter", SC, {"TableName": "@NEW@", "FilterExpression": "v >= :a", "ExpressionAttributeValues": {":a": N(5)}}, setup=SCAN_SETUP),
    case("sc-count", SC, {"TableName": "@NEW@", "Select": "COUNT", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": True}, setup=SCAN_SETUP),
    case("sc-projection", SC, {"TableName": "@NEW@", "ProjectionExpression": "v"}, setup=SCAN_SETUP),
    case("sc-scan-filter-or", SC, {"TableName": "@NEW@", "ConditionalOperator": "OR", "ScanFilter": {
        "v": {"ComparisonOperator": "LT", "AttributeValueList": [N(2)]},
        "t": {"ComparisonOperator": "EQ", "AttributeValueList": [S("odd")]}}}, setup=SCAN_SETUP),
    case("sc-scan-filter-not-contains", SC, {"TableName": "@NEW@", "Select": "COUNT", "ScanFilter": {
        "nope": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [S("x")]}}}, setup=SCAN_SETUP),
    case("sc-one-segment-of-one", SC, {"TableName": "@NEW@", "Segment": 0, "TotalSegments": 1}, setup=SCAN_SETUP),
    case("sc-err-conditional-operator-one-filter", SC, {"TableName": H, "ConditionalOperator": "OR", "ScanFilter": {
        "v": {"ComparisonOperator": "NULL"}}}),
    case("sc-err-segment-without-total", SC, {"TableName": H, "Segment": 0},
         expect_divergence="DynamoDB Local says 'If segment is specified, total segment must also be specified'",
         eddy=aws_error("ValidationException", "The TotalSegments parameter is required but was not present in the request when Segment parameter is present")),
    case("sc-err-segment-not-below-total", SC, {"TableName": H, "Segment": 3, "TotalSegments": 3},
         expect_divergence="DynamoDB Local reports a Coral constraint on 'segment' with a computed bound",
         eddy=aws_error("ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3")),
    case("sc-err-total-segments-too-large", SC, {"TableName": H, "Segment": 0, "TotalSegments": 1000001}),
    case("sc-err-consistent-gsi", SC, {"TableName": I, "IndexName": "gsi1", "ConsistentRead": True}),
    case("sc-err-all-projected-on-table", SC, {"TableName": H, "Select": "ALL_PROJECTED_ATTRIBUTES"}),
    case("sc-err-start-key-size", SC, {"TableName": C, "ExclusiveStartKey": {"pk": S("a")}}),
    case("sc-err-nested-key-in-filter", SC, {"TableName": H, "FilterExpression": "pk.a = :v", "ExpressionAttributeValues": {":v": N(1)}}),
    case("sc-err-values-without-expression", SC, {"TableName": H, "ExpressionAttributeValues": {":v": N(1)}}),
]
