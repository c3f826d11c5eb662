"""Differential cases: the protocol envelope (malformed JSON, unknown operations, wrong
shapes) and request-level validation that is not specific to one operation."""

from cases_common import ANY, S, aws_error, case

H = "@HASH@"
SERIALIZATION = {"status": 400, "type": "SerializationException", "message": ANY, "extra": {}}
LOCAL_500 = "DynamoDB Local fails with HTTP 500 InternalFailure; AWS answers 400 SerializationException"

CASES = [
    case("malformed-json-truncated", "PutItem", raw='{"TableName": ', expect_divergence=LOCAL_500, eddy=SERIALIZATION),
    case("malformed-json-garbage", "GetItem", raw="hello", expect_divergence=LOCAL_500, eddy=SERIALIZATION),
    case("malformed-json-array", "ListTables", raw="[]", expect_divergence=LOCAL_500, eddy=SERIALIZATION),
    case("wrong-shape-table-name-number", "DescribeTable", {"TableName": 5},
         expect_divergence="DynamoDB Local coerces the number to a string", eddy=SERIALIZATION),
    case("wrong-shape-key-list", "GetItem", {"TableName": H, "Key": [1, 2]}, expect_divergence=LOCAL_500, eddy=SERIALIZATION),
    case("wrong-shape-attribute-value-string", "PutItem", {"TableName": H, "Item": {"pk": "plain"}}, expect_divergence=LOCAL_500, eddy=SERIALIZATION),
    case("wrong-shape-limit-string", "ListTables", {"Limit": "ten"}, expect_divergence=LOCAL_500, eddy=SERIALIZATION),
    case("unknown-field-ignored", "DescribeTable", {"TableName": H, "Bogus": 1}),
    case("unknown-operation", "FlyToTheMoon", {},
         expect_divergence="AWS sends UnknownOperationException without a message (DynamoDB Local adds one)",
         eddy=aws_error("UnknownOperationException", ANY)),
    case("unknown-operation-casing", "getitem", {"TableName": H, "Key": {"pk": S("x")}},
         expect_divergence="AWS sends UnknownOperationException without a message (DynamoDB Local adds one)",
         eddy=aws_error("UnknownOperationException", ANY)),
    case("wrong-target-prefix", "ListTables", {}, headers={"X-Amz-Target": "DynamoDB_20111205.ListTables"},
         expect_divergence="AWS answers an unknown API version with UnknownOperationException",
         eddy=aws_error("UnknownOperationException", ANY)),
    case("describe-endpoints", "DescribeEndpoints", {},
         expect_divergence="Endpoint address and cache period are deployment-specific",
         eddy={"status": 200, "body": {"Endpoints": [{"Address": ANY, "CachePeriodInMinutes": ANY}]}}),
    case("list-tables-bad-start-name", "ListTables", {"ExclusiveStartTableName": "a"},
         expect_divergence="DynamoDB Local drops the '1 validation error detected: Value ... at ...' envelope",
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'a' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length greater than or equal to 3")),
    case("get-table-name-too-long", "GetItem", {"TableName": "t" * 256, "Key": {"pk": S("x")}},
         expect_divergence="DynamoDB Local drops the '1 validation error detected: Value ... at ...' envelope",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '" + "t" * 256 + "' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255")),
    case("put-three-bad-enums", "PutItem", {"TableName": H, "Item": {"pk": S("x")}, "ReturnValues": "INVALID", "ReturnConsumedCapacity": "INVALID", "ReturnItemCollectionMetrics": "INVALID"},
         expect_divergence="DynamoDB Local reports one error; AWS lists every constraint violation",
         eddy=aws_error("ValidationException", "3 validation errors detected: Value 'INVALID' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; Value 'INVALID' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'INVALID' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]")),
]
