"""Differential cases: single-item operations, attribute types, numbers, item validation.

Every case writes keys named after its own id, so cases stay independent of each other.
"""

from cases_common import ANY, B, N, S, aws_error, case, put

H = "@HASH@"
MISSING_TABLE = "DynamoDB Local says 'Cannot do operations on a non-existent table'"
ALL_TYPES = {
    "s": S("text"),
    "n": N("12.5"),
    "b": B("AAEC"),
    "ss": {"SS": ["x", "y", "z"]},
    "ns": {"NS": ["3", "1", "2.5"]},
    "bs": {"BS": ["AA==", "AQ=="]},
    "m": {"M": {"inner": S("v"), "deep": {"M": {"x": N(1)}}}},
    "l": {"L": [S("a"), N(1), {"NULL": True}]},
    "t": {"BOOL": True},
    "f": {"BOOL": False},
    "nul": {"NULL": True},
    "es": S(""),
    "eb": B(""),
    "em": {"M": {}},
    "el": {"L": []},
}


def deep_map(depth: int) -> dict:
    v = S("leaf")
    for _ in range(depth):
        v = {"M": {"a": v}}
    return v


def get(key: str, table: str = H, **kw) -> dict:
    body = {"TableName": table, "Key": {"pk": S(key)}}
    body.update(kw)
    return body


CASES = [
    # --- PutItem / GetItem round trips ---------------------------------------------------
    case("put-all-types", "PutItem", {"TableName": H, "Item": dict(ALL_TYPES, pk=S("put-all-types"))}),
    case("get-all-types", "GetItem", get("get-all-types"), setup=[put(H, dict(ALL_TYPES, pk=S("get-all-types")))]),
    case("get-missing-item", "GetItem", get("get-missing-item")),
    case("get-consistent-read", "GetItem", get("get-consistent-read", ConsistentRead=True), setup=[put(H, {"pk": S("get-consistent-read"), "a": N(1)})]),
    case("get-composite-key", "GetItem", {"TableName": "@COMP@", "Key": {"pk": S("gck"), "sk": N("7")}}, setup=[put("@COMP@", {"pk": S("gck"), "sk": N("7.0"), "v": S("x")})]),
    case("get-number-key", "GetItem", {"TableName": "@NUM@", "Key": {"pk": N("100")}}, setup=[put("@NUM@", {"pk": N("1e2"), "v": S("x")})]),
    case("get-binary-key", "GetItem", {"TableName": "@BIN@", "Key": {"pk": B("AQID")}}, setup=[put("@BIN@", {"pk": B("AQID"), "v": S("x")})]),
    case(
        "number-normalisation",
        "GetItem",
        get("number-normalisation"),
        setup=[put(H, {
            "pk": S("number-normalisation"),
            "a": N("0001.500"), "b": N("-0.0"), "c": N("1e2"), "d": N("1.23E-5"), "e": N("+7"),
            "f": N("12345678901234567890123456789012345678"), "g": N("-1e125"), "h": N("1e-130"),
            "i": N(".5"), "j": N("100.000"), "ns": {"NS": ["10", "2", "3.0", "0.5e1"]},
        })],
    ),
    case("number-39-digits", "PutItem", {"TableName": H, "Item": {"pk": S("n39"), "a": N("1" * 39)}},
         expect_divergence="DynamoDB Local says 'DynamoDB only supports precision up to 38 digits'",
         eddy=aws_error("ValidationException", "Attempting to store more than 38 significant digits in a Number")),
    case("number-38-digits-fraction", "PutItem", {"TableName": H, "Item": {"pk": S("n38f"), "a": N("0." + "9" * 38)}}),
    case("number-39-trailing-zeros", "PutItem", {"TableName": H, "Item": {"pk": S("n39z"), "a": N("1" * 38 + "0")}}),
    case("number-overflow", "PutItem", {"TableName": H, "Item": {"pk": S("nover"), "a": N("1e126")}}),
    case("number-underflow", "PutItem", {"TableName": H, "Item": {"pk": S("nunder"), "a": N("1e-131")}}),
    case("number-not-a-number", "PutItem", {"TableName": H, "Item": {"pk": S("nnan"), "a": N("abc")}},
         expect_divergence="DynamoDB Local says 'A value provided cannot be converted into a number'; AWS names the value (dynalite/paritysuite AWS captures)",
         eddy=aws_error("ValidationException", "The parameter cannot be converted to a numeric value: abc")),
    case("number-empty", "PutItem", {"TableName": H, "Item": {"pk": S("nempty"), "a": N("")}},
         expect_divergence="DynamoDB Local says 'A value provided cannot be converted into a number'; AWS names the value (dynalite/paritysuite AWS captures)",
         eddy=aws_error("ValidationException", "The parameter cannot be converted to a numeric value: ")),
    case("number-nan-literal", "PutItem", {"TableName": H, "Item": {"pk": S("nnan2"), "a": N("NaN")}},
         expect_divergence="DynamoDB Local says 'A value provided cannot be converted into a number'; AWS names the value (dynalite/paritysuite AWS captures)",
         eddy=aws_error("ValidationException", "The parameter cannot be converted to a numeric value: NaN")),
    # --- Item validation ----------------------------------------------------------------
    case("put-empty-string-key", "PutItem", {"TableName": H, "Item": {"pk": S("")}}),
    case("put-empty-binary-key", "PutItem", {"TableName": "@BIN@", "Item": {"pk": B("")}}),
    case("put-missing-key", "PutItem", {"TableName": H, "Item": {"a": S("x")}}),
    case("put-missing-range-key", "PutItem", {"TableName": "@COMP@", "Item": {"pk": S("x")}}),
    case("put-wrong-key-type", "PutItem", {"TableName": H, "Item": {"pk": N(1)}},
         expect_divergence="DynamoDB Local omits the key name and types from the message",
         eddy=aws_error("ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")),
    case("put-empty-attribute-value", "PutItem", {"TableName": H, "Item": {"pk": S("pe"), "a": {}}}),
    case("put-two-types", "PutItem", {"TableName": H, "Item": {"pk": S("p2"), "a": {"S": "x", "N": "1"}}}),
    case("put-null-false", "PutItem", {"TableName": H, "Item": {"pk": S("pnf"), "a": {"NULL": False}}}),
    case("put-empty-string-set", "PutItem", {"TableName": H, "Item": {"pk": S("pess"), "a": {"SS": []}}}),
    case("put-empty-number-set", "PutItem", {"TableName": H, "Item": {"pk": S("pens"), "a": {"NS": []}}}),
    case("put-duplicate-string-set", "PutItem", {"TableName": H, "Item": {"pk": S("pdss"), "a": {"SS": ["a", "a"]}}},
         expect_divergence="DynamoDB Local words set duplicates differently; AWS's text per dynalite/Alternator AWS runs",
         eddy=aws_error("ValidationException", 'One or more parameter values were invalid: Input collection ["a", "a"] contains duplicates.')),
    case("put-duplicate-number-set", "PutItem", {"TableName": H, "Item": {"pk": S("pdns"), "a": {"NS": ["1", "1.0"]}}},
         expect_divergence="DynamoDB Local words set duplicates differently; AWS's text per dynalite/Alternator AWS runs",
         eddy=aws_error("ValidationException", 'One or more parameter values were invalid: Input collection contains duplicates.')),
    case("put-duplicate-binary-set", "PutItem", {"TableName": H, "Item": {"pk": S("pdbs"), "a": {"BS": ["Yg==", "Yg=="]}}},
         expect_divergence="DynamoDB Local words set duplicates differently; AWS's text per dynalite/Alternator AWS runs",
         eddy=aws_error("ValidationException", 'One or more parameter values were invalid: Input collection ["Yg==","Yg=="]of type BS contains duplicates.')),
    case("put-empty-string-in-set", "PutItem", {"TableName": H, "Item": {"pk": S("pesis"), "a": {"SS": ["a", ""]}}}),
    case("put-invalid-base64", "PutItem", {"TableName": H, "Item": {"pk": S("pib"), "a": B("!!!")}},
         expect_divergence="DynamoDB Local fails with HTTP 500 on bad base64",
         eddy={"status": 400, "type": "SerializationException", "message": ANY, "extra": {}}),
    case("put-item-at-size-limit", "PutItem", {"TableName": H, "Item": {"pk": S("pl"), "x": S("x" * (409600 - 5))}}),
    case("put-item-over-size-limit", "PutItem", {"TableName": H, "Item": {"pk": S("po"), "x": S("x" * (409600 - 4))}}),
    case("put-nesting-32", "PutItem", {"TableName": H, "Item": {"pk": S("pn32"), "a": deep_map(31)}}),
    case("put-nesting-33", "PutItem", {"TableName": H, "Item": {"pk": S("pn33"), "a": deep_map(32)}}),
    case("put-nesting-40", "PutItem", {"TableName": H, "Item": {"pk": S("pn40"), "a": deep_map(40)}}),
    case("put-no-item", "PutItem", {"TableName": H}),
    case("put-no-table", "PutItem", {"Item": {"pk": S("x")}},
         expect_divergence="DynamoDB Local reports one violation without the count prefix",
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")),
    case("put-missing-table", "PutItem", {"TableName": "@RUN@missing", "Item": {"pk": S("x")}},
         expect_divergence=MISSING_TABLE, eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    case("get-missing-table", "GetItem", {"TableName": "@RUN@missing", "Key": {"pk": S("x")}},
         expect_divergence=MISSING_TABLE, eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    case("get-wrong-key-type", "GetItem", {"TableName": H, "Key": {"pk": N(1)}},
         expect_divergence="DynamoDB Local says 'Type mismatch for key'",
         eddy=aws_error("ValidationException", "The provided key element does not match the schema")),
    case("get-extra-key-attribute", "GetItem", {"TableName": H, "Key": {"pk": S("x"), "other": S("y")}},
         expect_divergence="DynamoDB Local says 'The number of conditions on the keys is invalid'",
         eddy=aws_error("ValidationException", "The provided key element does not match the schema")),
    case("get-missing-range-key", "GetItem", {"TableName": "@COMP@", "Key": {"pk": S("x")}},
         expect_divergence="DynamoDB Local says 'The number of conditions on the keys is invalid'",
         eddy=aws_error("ValidationException", "The provided key element does not match the schema")),
    case("get-empty-key-string", "GetItem", get("")),
    case("get-attributes-to-get", "GetItem", get("gatg", AttributesToGet=["a", "missing"]), setup=[put(H, {"pk": S("gatg"), "a": N(1), "b": N(2)})]),
    case("get-attributes-to-get-duplicates", "GetItem", get("gatgd", AttributesToGet=["a", "a"])),
    # --- DeleteItem ---------------------------------------------------------------------
    case("delete-existing", "DeleteItem", get("del1", ReturnValues="ALL_OLD"), setup=[put(H, {"pk": S("del1"), "a": S("x")})]),
    case("delete-missing-item", "DeleteItem", get("del2", ReturnValues="ALL_OLD"),
         expect_divergence="DynamoDB Local returns ConsumedCapacity that was not asked for",
         eddy={"status": 200, "body": {}}),
    case("delete-then-get", "GetItem", get("del3"), setup=[put(H, {"pk": S("del3")}), ("DeleteItem", get("del3"))]),
    case("delete-bad-return-values", "DeleteItem", get("del4", ReturnValues="ALL_NEW"),
         expect_divergence="DynamoDB Local says 'Return values set to invalid value'",
         eddy=aws_error("ValidationException", "ReturnValues can only be ALL_OLD or NONE")),
    case("delete-item-missing-table", "DeleteItem", {"TableName": "@RUN@missing", "Key": {"pk": S("x")}},
         expect_divergence=MISSING_TABLE, eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    # --- ReturnValues on PutItem ----------------------------------------------------------
    case("put-return-all-old-new-item", "PutItem", {"TableName": H, "Item": {"pk": S("rv1")}, "ReturnValues": "ALL_OLD"}),
    case("put-return-all-old-replaced", "PutItem", {"TableName": H, "Item": {"pk": S("rv2"), "b": N(2)}, "ReturnValues": "ALL_OLD"}, setup=[put(H, {"pk": S("rv2"), "a": N(1)})]),
    case("put-return-none", "PutItem", {"TableName": H, "Item": {"pk": S("rv3")}, "ReturnValues": "NONE"}, setup=[put(H, {"pk": S("rv3"), "a": N(1)})]),
    case("put-return-all-new", "PutItem", {"TableName": H, "Item": {"pk": S("rv4")}, "ReturnValues": "ALL_NEW"},
         expect_divergence="DynamoDB Local says 'Return values set to invalid value'",
         eddy=aws_error("ValidationException", "ReturnValues can only be ALL_OLD or NONE")),
    case("put-return-bogus", "PutItem", {"TableName": H, "Item": {"pk": S("rv5")}, "ReturnValues": "bogus"},
         expect_divergence="DynamoDB Local says 'Return values set to invalid value'",
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'bogus' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")),
    # --- ReturnConsumedCapacity ---------------------------------------------------------
    case("rcc-put-total", "PutItem", {"TableName": H, "Item": {"pk": S("rcc1")}, "ReturnConsumedCapacity": "TOTAL"}),
    case("rcc-put-indexes", "PutItem", {"TableName": H, "Item": {"pk": S("rcc2")}, "ReturnConsumedCapacity": "INDEXES"}),
    case("rcc-put-none", "PutItem", {"TableName": H, "Item": {"pk": S("rcc3")}, "ReturnConsumedCapacity": "NONE"}),
    case("rcc-put-large-item", "PutItem", {"TableName": H, "Item": {"pk": S("rcc4"), "x": S("x" * 5000)}, "ReturnConsumedCapacity": "TOTAL"}),
    case("rcc-get-eventual", "GetItem", get("rcc5", ReturnConsumedCapacity="TOTAL"), setup=[put(H, {"pk": S("rcc5")})]),
    case("rcc-get-consistent", "GetItem", get("rcc6", ReturnConsumedCapacity="TOTAL", ConsistentRead=True), setup=[put(H, {"pk": S("rcc6")})]),
    case("rcc-get-large-item", "GetItem", get("rcc7", ReturnConsumedCapacity="TOTAL"), setup=[put(H, {"pk": S("rcc7"), "x": S("x" * 9000)})]),
    case("rcc-get-indexes-gsi-table", "GetItem", {"TableName": "@IDX@", "Key": {"pk": S("rcc8"), "sk": S("a")}, "ReturnConsumedCapacity": "INDEXES"}),
    case("rcc-put-indexes-gsi-table", "PutItem", {"TableName": "@IDX@", "Item": {"pk": S("rcc9"), "sk": S("a"), "gpk": S("g"), "lsk": N(1)}, "ReturnConsumedCapacity": "INDEXES"}),
    case("rcc-delete-provisioned", "DeleteItem", {"TableName": "@PROV@", "Key": {"pk": S("rcc10")}, "ReturnConsumedCapacity": "TOTAL"}),
    case("rcc-bogus", "GetItem", get("rcc11", ReturnConsumedCapacity="ALL"),
         expect_divergence="DynamoDB Local drops the '1 validation error detected' envelope",
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")),
    # --- Index key attributes -----------------------------------------------------------
    case("put-gsi-key-wrong-type", "PutItem", {"TableName": "@IDX@", "Item": {"pk": S("gk1"), "sk": S("a"), "gpk": N(1)}}),
    case("put-gsi-key-empty-string", "PutItem", {"TableName": "@IDX@", "Item": {"pk": S("gk2"), "sk": S("a"), "gpk": S("")}}),
    case("put-lsi-key-wrong-type", "PutItem", {"TableName": "@IDX@", "Item": {"pk": S("gk3"), "sk": S("a"), "lsk": S("x")}}),
]
