"""Differential cases: BatchGetItem and BatchWriteItem (shapes, limits, duplicates)."""

from cases_common import ANY, N, S, aws_error, case, put

H = "@HASH@"
C = "@COMP@"


def keys(prefix, n):
    return [{"pk": S(f"{prefix}-{i}")} for i in range(n)]


def puts(prefix, n, table=H):
    return [{"PutRequest": {"Item": {"pk": S(f"{prefix}-{i}"), "v": N(i)}}} for i in range(n)]


CASES = [
    # --- BatchWriteItem -----------------------------------------------------------------
    case("bw-puts", "BatchWriteItem", {"RequestItems": {H: puts("bwp", 3)}}),
    case("bw-puts-two-tables", "BatchWriteItem", {"RequestItems": {H: puts("bwt", 2), C: [{"PutRequest": {"Item": {"pk": S("bwt"), "sk": N(1)}}}]}}),
    case("bw-mixed-put-delete", "BatchWriteItem", {"RequestItems": {H: puts("bwm", 2) + [{"DeleteRequest": {"Key": {"pk": S("bwm-old")}}}]}}, setup=[put(H, {"pk": S("bwm-old")})]),
    case("bw-delete-missing", "BatchWriteItem", {"RequestItems": {H: [{"DeleteRequest": {"Key": {"pk": S("bw-nothing")}}}]}}),
    case("bw-then-get", "GetItem", {"TableName": H, "Key": {"pk": S("bwg-1")}}, setup=[("BatchWriteItem", {"RequestItems": {H: puts("bwg", 2)}})]),
    case("bw-25-items", "BatchWriteItem", {"RequestItems": {H: puts("bw25", 25)}}),
    case("bw-26-items", "BatchWriteItem", {"RequestItems": {H: puts("bw26", 26)}},
         expect_divergence="DynamoDB Local's message differs; AWS echoes the whole request (a Java toString) in a length-constraint message",
         eddy=aws_error("ValidationException", ANY)),
    case("bw-26-items-two-tables", "BatchWriteItem", {"RequestItems": {H: puts("bw2t", 13), C: [{"PutRequest": {"Item": {"pk": S(f"x{i}"), "sk": N(i)}}} for i in range(13)]}}),
    case("bw-empty-request-items", "BatchWriteItem", {"RequestItems": {}}),
    case("bw-empty-table-list", "BatchWriteItem", {"RequestItems": {H: []}}),
    case("bw-duplicate-put-keys", "BatchWriteItem", {"RequestItems": {H: puts("bwd", 1) + puts("bwd", 1)}}),
    case("bw-duplicate-put-delete", "BatchWriteItem", {"RequestItems": {H: puts("bwpd", 1) + [{"DeleteRequest": {"Key": {"pk": S("bwpd-0")}}}]}}),
    case("bw-duplicate-number-keys", "BatchWriteItem", {"RequestItems": {C: [{"PutRequest": {"Item": {"pk": S("d"), "sk": N("1")}}}, {"PutRequest": {"Item": {"pk": S("d"), "sk": N("1.0")}}}]}}),
    case("bw-both-put-and-delete", "BatchWriteItem", {"RequestItems": {H: [{"PutRequest": {"Item": {"pk": S("x")}}, "DeleteRequest": {"Key": {"pk": S("x")}}}]}}),
    case("bw-empty-write-request", "BatchWriteItem", {"RequestItems": {H: [{}]}}),
    case("bw-missing-key", "BatchWriteItem", {"RequestItems": {H: [{"PutRequest": {"Item": {"v": S("x")}}}]}}),
    case("bw-empty-key-string", "BatchWriteItem", {"RequestItems": {H: [{"PutRequest": {"Item": {"pk": S("")}}}]}}),
    case("bw-delete-extra-key-attribute", "BatchWriteItem", {"RequestItems": {H: [{"DeleteRequest": {"Key": {"pk": S("x"), "v": S("y")}}}]}},
         expect_divergence="DynamoDB Local says 'The number of conditions on the keys is invalid'",
         eddy=aws_error("ValidationException", "The provided key element does not match the schema")),
    case("bw-missing-table", "BatchWriteItem", {"RequestItems": {"@RUN@missing": puts("bwmt", 1)}},
         expect_divergence="DynamoDB Local says 'Cannot do operations on a non-existent table'",
         eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    case("bw-item-too-large", "BatchWriteItem", {"RequestItems": {H: [{"PutRequest": {"Item": {"pk": S("bwl"), "x": S("x" * 409600)}}}]}}),
    case("bw-rcc-total", "BatchWriteItem", {"RequestItems": {H: puts("bwr", 2), "@PROV@": puts("bwr", 1)}, "ReturnConsumedCapacity": "TOTAL"}),
    case("bw-rcc-indexes", "BatchWriteItem", {"RequestItems": {"@IDX@": [{"PutRequest": {"Item": {"pk": S("bwi"), "sk": S("a"), "gpk": S("g")}}}]}, "ReturnConsumedCapacity": "INDEXES"}),
    case("bw-item-collection-metrics", "BatchWriteItem", {"RequestItems": {"@IDX@": [{"PutRequest": {"Item": {"pk": S("bwicm"), "sk": S("a"), "lsk": N(1)}}}]}, "ReturnItemCollectionMetrics": "SIZE"}),
    # --- BatchGetItem -------------------------------------------------------------------
    case("bg-found-and-missing", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgf", 3)}}}, setup=[put(H, {"pk": S("bgf-0"), "a": N(1)}), put(H, {"pk": S("bgf-2"), "a": N(2)})]),
    case("bg-two-tables", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgt", 1)}, C: {"Keys": [{"pk": S("bgt"), "sk": N(5)}]}}}, setup=[put(H, {"pk": S("bgt-0")}), put(C, {"pk": S("bgt"), "sk": N(5)})]),
    case("bg-projection", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgp", 1), "ProjectionExpression": "#a, nope", "ExpressionAttributeNames": {"#a": "a"}}}}, setup=[put(H, {"pk": S("bgp-0"), "a": N(1), "b": N(2)})]),
    case("bg-projection-matches-nothing", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgn", 1), "ProjectionExpression": "nope"}}}, setup=[put(H, {"pk": S("bgn-0"), "a": N(1)})]),
    case("bg-attributes-to-get", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bga", 1), "AttributesToGet": ["a"]}}}, setup=[put(H, {"pk": S("bga-0"), "a": N(1), "b": N(2)})]),
    case("bg-consistent-read-rcc", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgc", 2), "ConsistentRead": True}}, "ReturnConsumedCapacity": "TOTAL"}, setup=[put(H, {"pk": S("bgc-0")})]),
    case("bg-rcc-eventual", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bge", 3)}}, "ReturnConsumedCapacity": "TOTAL"}),
    case("bg-100-keys", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bg100", 100)}}}),
    case("bg-101-keys", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bg101", 101)}}},
         expect_divergence="DynamoDB Local's message differs; AWS echoes the request in a length-constraint message",
         eddy=aws_error("ValidationException", ANY)),
    case("bg-101-keys-two-tables", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bg2t", 51)}, C: {"Keys": [{"pk": S("x"), "sk": N(i)} for i in range(50)]}}}),
    case("bg-duplicate-keys", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgd", 1) * 2}}}),
    case("bg-duplicate-number-keys", "BatchGetItem", {"RequestItems": {C: {"Keys": [{"pk": S("x"), "sk": N("1")}, {"pk": S("x"), "sk": N("1.00")}]}}},
         expect_divergence="DynamoDB Local compares number keys as text here (it does not in BatchWriteItem); numbers are equal by value",
         eddy=aws_error("ValidationException", "Provided list of item keys contains duplicates")),
    case("bg-empty-request-items", "BatchGetItem", {"RequestItems": {}}),
    case("bg-empty-keys", "BatchGetItem", {"RequestItems": {H: {"Keys": []}}}),
    case("bg-missing-table", "BatchGetItem", {"RequestItems": {"@RUN@missing": {"Keys": keys("bgmt", 1)}}},
         expect_divergence="DynamoDB Local says 'Cannot do operations on a non-existent table'",
         eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    case("bg-wrong-key-type", "BatchGetItem", {"RequestItems": {H: {"Keys": [{"pk": N(1)}]}}},
         expect_divergence="DynamoDB Local says 'Type mismatch for key'",
         eddy=aws_error("ValidationException", "The provided key element does not match the schema")),
    case("bg-empty-key-string", "BatchGetItem", {"RequestItems": {H: {"Keys": [{"pk": S("")}]}}}),
    case("bg-projection-unused-name", "BatchGetItem", {"RequestItems": {H: {"Keys": keys("bgu", 1), "ProjectionExpression": "a", "ExpressionAttributeNames": {"#x": "x"}}}}),
]
