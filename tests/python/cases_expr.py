"""Differential cases: condition, update and projection expressions, placeholders, and the
legacy parameters (Expected, AttributeUpdates, AttributesToGet, ConditionalOperator)."""

from cases_common import N, S, aws_error, case, put

H = "@HASH@"
BASE = {"s": S("abc"), "n": N(5), "b": {"B": "AQI="}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]},
        "l": {"L": [N(1), S("two"), {"M": {"x": N(3)}}]}, "m": {"M": {"k": S("v"), "nested": {"M": {"z": N(0)}}}},
        "t": {"BOOL": True}, "nul": {"NULL": True}}


def item(key):
    return dict(BASE, pk=S(key))


def cond_put(id, expr, names=None, values=None, exists=True, **kw):
    """PutItem with a ConditionExpression over an existing item (when `exists`)."""
    body = {"TableName": H, "Item": {"pk": S(id), "new": N(1)}, "ConditionExpression": expr}
    if names:
        body["ExpressionAttributeNames"] = names
    if values:
        body["ExpressionAttributeValues"] = values
    body.update(kw)
    return case("cond-" + id, "PutItem", body, setup=[put(H, item(id))] if exists else [])


def upd(id, expr, names=None, values=None, rv="ALL_NEW", exists=True, **kw):
    """UpdateItem with an UpdateExpression on an existing item (when `exists`)."""
    body = {"TableName": H, "Key": {"pk": S(id)}, "UpdateExpression": expr, "ReturnValues": rv}
    if names:
        body["ExpressionAttributeNames"] = names
    if values:
        body["ExpressionAttributeValues"] = values
    body.update(kw)
    return case("upd-" + id, "UpdateItem", body, setup=[put(H, item(id))] if exists else [])


def proj(id, expr, names=None):
    body = {"TableName": H, "Key": {"pk": S(id)}, "ProjectionExpression": expr}
    if names:
        body["ExpressionAttributeNames"] = names
    return case("proj-" + id, "GetItem", body, setup=[put(H, item(id))])


V1 = {":v": N(1)}
CASES = [
    # --- ConditionExpression: true / false ------------------------------------------------
    cond_put("exists-true", "attribute_exists(s)"),
    cond_put("exists-false", "attribute_exists(nope)"),
    cond_put("not-exists-new-item", "attribute_not_exists(pk)", exists=False),
    cond_put("not-exists-old-item", "attribute_not_exists(pk)"),
    cond_put("eq-number", "n = :v", values={":v": N("5.0")}),
    cond_put("eq-across-types", "n = :v", values={":v": S("5")}),
    cond_put("lt-across-types", "n < :v", values={":v": S("9")}),
    cond_put("between", "n BETWEEN :a AND :b", values={":a": N(1), ":b": N(9)}),
    cond_put("between-reversed", "n BETWEEN :a AND :b", values={":a": N(9), ":b": N(1)}),
    cond_put("in-list", "s IN (:a, :b)", values={":a": S("x"), ":b": S("abc")}),
    cond_put("begins-with", "begins_with(s, :p)", values={":p": S("ab")}),
    cond_put("begins-with-number", "begins_with(n, :p)", values={":p": N(5)}),
    cond_put("contains-set", "contains(ss, :v)", values={":v": S("a")}),
    cond_put("contains-string", "contains(s, :v)", values={":v": S("bc")}),
    cond_put("contains-list", "contains(l, :v)", values={":v": S("two")}),
    cond_put("size-string", "size(s) = :v", values={":v": N(3)}),
    cond_put("size-list-gt", "size(l) > :v", values={":v": N(5)}),
    cond_put("attribute-type", "attribute_type(ns, :t)", values={":t": S("NS")}),
    cond_put("attribute-type-bad", "attribute_type(ns, :t)", values={":t": S("XX")}),
    cond_put("nested-path", "m.nested.z = :v AND l[2].x = :w", values={":v": N(0), ":w": N(3)}),
    cond_put("not-and-or", "NOT (n < :v) AND (s = :s OR t = :t)", values={":v": N(1), ":s": S("zz"), ":t": {"BOOL": True}}),
    cond_put("ne-missing-attribute", "nope <> :v", values=V1),
    cond_put("false-returns-old", "n = :v", values=V1, ReturnValuesOnConditionCheckFailure="ALL_OLD"),
    cond_put("syntax-error", "n = = :v", values=V1),
    cond_put("unknown-function", "foo(n)"),
    cond_put("missing-value", "n = :missing"),
    cond_put("missing-name", "#missing = :v", values=V1),
    cond_put("unused-value", "attribute_exists(s)", values={":unused": N(1)}),
    cond_put("unused-name", "attribute_exists(s)", names={"#unused": "x"}),
    cond_put("reserved-word", "size = :v", values=V1),
    cond_put("reserved-word-placeholder", "#size = :v", names={"#size": "size"}, values=V1),
    cond_put("empty-expression", ""),
    cond_put("redundant-parens", "((attribute_exists(s)))"),
    cond_put("contains-same-operand", "contains(s, s)"),
    dict(cond_put("empty-value-map", "attribute_exists(s)"), body={"TableName": H, "Item": {"pk": S("empty-value-map")}, "ConditionExpression": "attribute_exists(s)", "ExpressionAttributeValues": {}},
         expect_divergence="DynamoDB Local accepts an empty ExpressionAttributeValues map",
         eddy=aws_error("ValidationException", "ExpressionAttributeValues must not be empty")),
    cond_put("value-placeholder-bad-name", "n = :v", values={"v": N(1)}),
    cond_put("bare-attribute", "n"),
    cond_put("in-too-many", "n IN (" + ", ".join(f":v{i}" for i in range(101)) + ")",
             values={f":v{i}": N(i) for i in range(101)}),
    case("cond-delete-false", "DeleteItem", {"TableName": H, "Key": {"pk": S("cdf")}, "ConditionExpression": "attribute_exists(zz)"}, setup=[put(H, item("cdf"))]),
    case("cond-update-missing-item", "UpdateItem", {"TableName": H, "Key": {"pk": S("cum")}, "UpdateExpression": "SET a = :v", "ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeValues": V1}),
    # --- UpdateExpression ----------------------------------------------------------------
    upd("set-new", "SET a = :v", values=V1),
    upd("set-new-item", "SET a = :v", values=V1, exists=False),
    upd("set-arith", "SET n = n + :v, a = :v - n", values=V1),
    upd("set-if-not-exists", "SET a = if_not_exists(a, :v), n = if_not_exists(n, :v)", values=V1),
    upd("set-list-append", "SET l = list_append(l, :x), l2 = list_append(:x, l)", values={":x": {"L": [S("end")]}}),
    upd("set-list-index", "SET l[1] = :v, l[10] = :v", values=V1),
    upd("set-nested-map", "SET m.k = :v, m.nested.added = :v", values=V1),
    upd("set-missing-parent", "SET nope.child = :v", values=V1),
    upd("set-arith-on-string", "SET s = s + :v", values=V1),
    upd("remove-attrs", "REMOVE s, l[0], m.k, nope"),
    dict(upd("remove-only-new-item", "REMOVE a", exists=False),
         expect_divergence="spec L4: DynamoDB Local creates a key-only item", eddy={"status": 200, "body": {}}),
    case("upd-remove-only-then-get", "GetItem", {"TableName": H, "Key": {"pk": S("urotg")}},
         setup=[("UpdateItem", {"TableName": H, "Key": {"pk": S("urotg")}, "UpdateExpression": "REMOVE a"})],
         expect_divergence="spec L4: DynamoDB Local creates a key-only item", eddy={"status": 200, "body": {}}),
    upd("add-number", "ADD n :v, newn :v", values=V1),
    upd("add-set", "ADD ss :x", values={":x": {"SS": ["c", "a"]}}),
    upd("add-wrong-type", "ADD s :v", values=V1),
    upd("delete-from-set", "DELETE ss :x", values={":x": {"SS": ["a"]}}),
    upd("delete-last-set-member", "DELETE ss :x", values={":x": {"SS": ["a", "b"]}}),
    upd("delete-wrong-type", "DELETE ss :x", values={":x": {"NS": ["1"]}}),
    upd("update-key", "SET pk = :v", values={":v": S("x")}),
    upd("overlap-paths", "SET a = :v REMOVE a", values=V1),
    upd("overlap-nested-paths", "SET m.k = :v, m = :v", values=V1),
    upd("duplicate-clause", "SET a = :v SET b = :v", values=V1),
    upd("syntax-error", "SET a :v", values=V1),
    upd("empty-expression", ""),
    upd("missing-value", "SET a = :nope"),
    upd("unused-name", "SET a = :v", names={"#x": "x"}, values=V1),
    upd("reserved-word", "SET count = :v", values=V1),
    upd("function-in-add", "ADD n if_not_exists(n, :v)", values=V1),
    upd("rv-updated-old", "SET n = :v, a = :v", values=V1, rv="UPDATED_OLD"),
    upd("rv-updated-new", "SET n = :v, a = :v", values=V1, rv="UPDATED_NEW"),
    upd("rv-all-old", "SET n = :v", values=V1, rv="ALL_OLD"),
    upd("rv-none", "SET n = :v", values=V1, rv="NONE"),
    case("upd-with-condition-true", "UpdateItem", {"TableName": H, "Key": {"pk": S("uwct")}, "UpdateExpression": "SET n = :v", "ConditionExpression": "s = :s", "ExpressionAttributeValues": {":v": N(1), ":s": S("abc")}, "ReturnValues": "ALL_NEW"}, setup=[put(H, item("uwct"))]),
    case("upd-no-expression-new-item", "UpdateItem", {"TableName": H, "Key": {"pk": S("unenew")}, "ReturnValues": "ALL_NEW"}),
    # --- ProjectionExpression ------------------------------------------------------------
    proj("top-level", "s, n, nope"),
    proj("nested", "m.nested.z, l[2].x, l[0]"),
    proj("placeholder", "#s, #m.#k", names={"#s": "s", "#m": "m", "#k": "k"}),
    proj("overlapping", "m, m.k"),
    proj("reserved", "name"),
    proj("unused-name", "s", names={"#u": "u"}),
    proj("syntax-error", "s,,n"),
    # --- Legacy parameters -----------------------------------------------------------------
    case("legacy-expected-exists", "PutItem", {"TableName": H, "Item": {"pk": S("lee")}, "Expected": {"s": {"Exists": True, "Value": S("abc")}}}, setup=[put(H, item("lee"))]),
    case("legacy-expected-not-exists-fails", "PutItem", {"TableName": H, "Item": {"pk": S("lenf")}, "Expected": {"s": {"Exists": False}}}, setup=[put(H, item("lenf"))]),
    case("legacy-expected-comparison", "PutItem", {"TableName": H, "Item": {"pk": S("lec")}, "Expected": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [N(3)]}}}, setup=[put(H, item("lec"))]),
    case("legacy-expected-or", "PutItem", {"TableName": H, "Item": {"pk": S("leo")}, "ConditionalOperator": "OR", "Expected": {"n": {"ComparisonOperator": "LT", "AttributeValueList": [N(3)]}, "s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("a")]}}}, setup=[put(H, item("leo"))]),
    case("legacy-expected-bad-arg-count", "PutItem", {"TableName": H, "Item": {"pk": S("lebc")}, "Expected": {"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(3)]}}}),
    case("legacy-expected-exists-false-with-value", "PutItem", {"TableName": H, "Item": {"pk": S("lefv")}, "Expected": {"n": {"Exists": False, "Value": N(1)}}}),
    case("legacy-mixed-with-expression", "PutItem", {"TableName": H, "Item": {"pk": S("lmix")}, "Expected": {"n": {"Exists": False}}, "ConditionExpression": "attribute_exists(n)"}),
    case("legacy-values-without-expression", "PutItem", {"TableName": H, "Item": {"pk": S("lvwe")}, "ExpressionAttributeValues": V1}),
    case("legacy-conditional-operator-alone", "PutItem", {"TableName": H, "Item": {"pk": S("lcoa")}, "ConditionalOperator": "AND"}),
    case("legacy-attribute-updates", "UpdateItem", {"TableName": H, "Key": {"pk": S("lau")}, "ReturnValues": "ALL_NEW", "AttributeUpdates": {
        "n": {"Action": "ADD", "Value": N(2)}, "s": {"Action": "DELETE"}, "new": {"Action": "PUT", "Value": S("x")}, "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}}}}, setup=[put(H, item("lau"))]),
    case("legacy-attribute-updates-key", "UpdateItem", {"TableName": H, "Key": {"pk": S("lauk")}, "AttributeUpdates": {"pk": {"Action": "PUT", "Value": S("x")}}}),
    case("legacy-attribute-updates-with-expression", "UpdateItem", {"TableName": H, "Key": {"pk": S("laue")}, "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": V1, "AttributeUpdates": {"n": {"Action": "PUT", "Value": N(1)}}}),
    case("legacy-attributes-to-get-with-projection", "GetItem", {"TableName": H, "Key": {"pk": S("latp")}, "AttributesToGet": ["s"], "ProjectionExpression": "s"}),
]
