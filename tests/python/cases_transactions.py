"""Differential cases: TransactWriteItems and TransactGetItems (validation, cancellation
shapes, capacity, idempotency tokens).

Recorded AWS behaviour where DynamoDB Local differs (eddy answers like AWS):
- request-shape errors carry Coral's "N validation error(s) detected" prefix;
- a missing table is "Requested resource not found";
- the ConditionalCheckFailed reason's message is "The conditional request failed" (Local
  adds a period in some shapes and not in others);
- a key of the wrong type cancels the transaction with a ValidationError reason (the
  PutItem message for Put items, "The provided key element does not match the schema"
  for Key parameters), in TransactGetItems too;
- an update that fails while applying (an operand of the wrong type) cancels with a
  ValidationError reason instead of failing the request.
"""

from cases_common import ANY, N, S, aws_error, case, put

H = "@HASH@"
I = "@IDX@"
T = "TransactWriteItems"
G = "TransactGetItems"

CCF = "The conditional request failed"


def tw(*actions, **extra):
    return dict({"TransactItems": list(actions)}, **extra)


def tput(item, table=H, **kw):
    return {"Put": dict({"TableName": table, "Item": item}, **kw)}


def tdel(key, table=H, **kw):
    return {"Delete": dict({"TableName": table, "Key": key}, **kw)}


def tupd(key, expr, table=H, **kw):
    return {"Update": dict({"TableName": table, "Key": key, "UpdateExpression": expr}, **kw)}


def tcheck(key, cond, table=H, **kw):
    return {"ConditionCheck": dict({"TableName": table, "Key": key, "ConditionExpression": cond}, **kw)}


def tget(key, table=H, **kw):
    return {"Get": dict({"TableName": table, "Key": key}, **kw)}


def cancelled(*reasons):
    """An expected TransactionCanceledException with these (code, message[, item]) reasons."""
    listed = []
    for r in reasons:
        d = {"Code": r[0]}
        if r[1] is not None:
            d["Message"] = r[1]
        if len(r) > 2:
            d["Item"] = r[2]
        listed.append(d)
    codes = ", ".join(r[0] for r in reasons)
    return {
        "status": 400,
        "type": "TransactionCanceledException",
        "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        "extra": {"CancellationReasons": listed},
    }


def gets(prefix, n):
    return [tget({"pk": S(f"{prefix}-{i}")}) for i in range(n)]


CASES = [
    # --- TransactWriteItems: success ----------------------------------------------------
    case("tw-put-update-delete-check", T, tw(
        tput({"pk": S("twa-new"), "v": N(1)}),
        tupd({"pk": S("twa-upd")}, "SET v = v + :one", ExpressionAttributeValues={":one": N(1)}),
        tdel({"pk": S("twa-del")}),
        tcheck({"pk": S("twa-chk")}, "attribute_exists(pk)"),
    ), setup=[put(H, {"pk": S("twa-upd"), "v": N(1)}), put(H, {"pk": S("twa-del")}), put(H, {"pk": S("twa-chk")})]),
    case("tw-then-get", "GetItem", {"TableName": H, "Key": {"pk": S("twg-upd")}}, setup=[
        put(H, {"pk": S("twg-upd"), "v": N(1)}),
        (T, tw(tupd({"pk": S("twg-upd")}, "ADD v :two REMOVE gone", ExpressionAttributeValues={":two": N(2)}), tput({"pk": S("twg-p")}))),
    ]),
    case("tw-rcc-total", T, tw(tput({"pk": S("twr")}), ReturnConsumedCapacity="TOTAL")),
    case("tw-rcc-indexes", T, tw(tput({"pk": S("twi"), "sk": S("a"), "lsk": N(1), "gpk": S("g")}, table=I), ReturnConsumedCapacity="INDEXES")),
    case("tw-rcc-condition-check-5kb", T, tw(tcheck({"pk": S("twc5")}, "attribute_exists(pk)"), ReturnConsumedCapacity="TOTAL"),
         setup=[put(H, {"pk": S("twc5"), "x": S("x" * 5000)})]),
    case("tw-token-replay", T, tw(tupd({"pk": S("twt")}, "ADD n :one", ExpressionAttributeValues={":one": N(1)}), ClientRequestToken="@RUN@t1"),
         setup=[(T, tw(tupd({"pk": S("twt")}, "ADD n :one", ExpressionAttributeValues={":one": N(1)}), ClientRequestToken="@RUN@t1"))]),
    case("tw-token-replay-then-get", "GetItem", {"TableName": H, "Key": {"pk": S("twtg")}}, setup=[
        (T, tw(tupd({"pk": S("twtg")}, "ADD n :one", ExpressionAttributeValues={":one": N(1)}), ClientRequestToken="@RUN@t2")),
        (T, tw(tupd({"pk": S("twtg")}, "ADD n :one", ExpressionAttributeValues={":one": N(1)}), ClientRequestToken="@RUN@t2")),
    ]),
    case("tw-token-mismatch", T, tw(tput({"pk": S("twm"), "v": N(2)}), ClientRequestToken="@RUN@t3"),
         setup=[(T, tw(tput({"pk": S("twm"), "v": N(1)}), ClientRequestToken="@RUN@t3"))]),
    # --- TransactWriteItems: cancellation shapes ----------------------------------------
    case("tw-cancel-none-ccf", T, tw(tput({"pk": S("twx-1")}), tcheck({"pk": S("twx-absent")}, "attribute_exists(pk)")),
         expect_divergence="Local ends the reason message with a period in this shape; AWS does not",
         eddy=cancelled(("None", None), ("ConditionalCheckFailed", CCF))),
    case("tw-cancel-all-old", T, tw(
        tput({"pk": S("twao")}, ConditionExpression="attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        tput({"pk": S("twao-2")}),
    ), setup=[put(H, {"pk": S("twao"), "a": N(1)})],
         expect_divergence="Local ends the reason message with a period in this shape; AWS does not",
         eddy=cancelled(("ConditionalCheckFailed", CCF, {"pk": S("twao"), "a": N(1)}), ("None", None))),
    case("tw-cancel-update-key-attribute", T, tw(tupd({"pk": S("twk")}, "SET pk = :v", ExpressionAttributeValues={":v": S("x")}))),
    case("tw-cancel-key-type-and-ccf", T, tw(tdel({"pk": N(1)}), tcheck({"pk": S("twkc")}, "attribute_exists(pk)")),
         expect_divergence="AWS words a Key mismatch 'The provided key element does not match the schema'",
         eddy=cancelled(("ValidationError", "The provided key element does not match the schema"), ("ConditionalCheckFailed", CCF))),
    case("tw-cancel-put-key-type", T, tw(tput({"pk": N(1)})),
         expect_divergence="AWS names the key and the types in a Put item's key mismatch",
         eddy=cancelled(("ValidationError", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"))),
    case("tw-cancel-update-operand-type", T, tw(tupd({"pk": S("twot")}, "SET n = n + :one", ExpressionAttributeValues={":one": N(1)}), tput({"pk": S("twot-2")})),
         setup=[put(H, {"pk": S("twot"), "n": S("text")})],
         expect_divergence="AWS cancels with a ValidationError reason; Local fails the request",
         eddy=cancelled(("ValidationError", "An operand in the update expression has an incorrect data type"), ("None", None))),
    # --- TransactWriteItems: validation -------------------------------------------------
    case("tw-null-items", T, {},
         expect_divergence="AWS prefixes Coral's count",
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null")),
    case("tw-empty-items", T, {"TransactItems": []},
         expect_divergence="AWS prefixes Coral's count",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    case("tw-101-items", T, tw(*[tput({"pk": S(f"tw101-{i}")}) for i in range(101)]),
         expect_divergence="AWS echoes the whole list in a Coral length message",
         eddy=aws_error("ValidationException", ANY)),
    case("tw-no-operation", T, {"TransactItems": [{}]}),
    case("tw-two-operations", T, {"TransactItems": [dict(tput({"pk": S("a")}), **tdel({"pk": S("b")}))]}),
    case("tw-same-item-twice", T, tw(tput({"pk": S("twd")}), tput({"pk": S("twd-2")}), tdel({"pk": S("twd")}))),
    case("tw-same-item-check-and-update", T, tw(tcheck({"pk": S("twd2")}, "attribute_exists(pk)"), tupd({"pk": S("twd2")}, "SET a = :a", ExpressionAttributeValues={":a": N(1)})),
         setup=[put(H, {"pk": S("twd2")})]),
    case("tw-same-item-failing-check", T, tw(tcheck({"pk": S("twd3")}, "attribute_exists(pk)"), tupd({"pk": S("twd3")}, "SET a = :a", ExpressionAttributeValues={":a": N(1)})),
         expect_divergence="Local evaluates a failing check before rejecting the duplicate item; AWS rejects the request first",
         eddy=aws_error("ValidationException", "Transaction request cannot include multiple operations on one item")),
    case("tw-missing-table", T, tw(tput({"pk": S("x")}, table="@RUN@missing")),
         expect_divergence="DynamoDB Local says 'Cannot do operations on a non-existent table'",
         eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    case("tw-put-missing-item-and-table", T, {"TransactItems": [{"Put": {}}]},
         expect_divergence="AWS lists every violation with Coral's prefix",
         eddy=aws_error("ValidationException", "2 validation errors detected: Value null at 'transactItems.1.member.put.item' failed to satisfy constraint: Member must not be null; Value null at 'transactItems.1.member.put.tableName' failed to satisfy constraint: Member must not be null")),
    case("tw-check-without-condition", T, {"TransactItems": [{"ConditionCheck": {"TableName": H, "Key": {"pk": S("a")}}}]},
         expect_divergence="AWS prefixes Coral's count",
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")),
    case("tw-bad-return-consumed-capacity", T, tw(tput({"pk": S("x")}), ReturnConsumedCapacity="BAD"),
         expect_divergence="Local accepts unknown enum values",
         eddy=aws_error("ValidationException", "1 validation error detected: Value 'BAD' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")),
    case("tw-token-too-long", T, tw(tput({"pk": S("x")}), ClientRequestToken="x" * 37),
         expect_divergence="AWS quotes the value and prefixes Coral's count",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '" + "x" * 37 + "' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36")),
    case("tw-undefined-value", T, tw(tput({"pk": S("x")}, ConditionExpression="a = :v"))),
    case("tw-expressions-before-tables", T, tw(tput({"pk": S("x")}, table="@RUN@missing"), tput({"pk": S("y")}, ConditionExpression="a = :v"))),
    case("tw-unused-value", T, tw(tupd({"pk": S("x")}, "SET b = :b", ExpressionAttributeValues={":b": S("x"), ":c": S("y")}))),
    case("tw-values-without-expression", T, tw(tput({"pk": S("x")}, ExpressionAttributeValues={":a": S("x")}))),
    case("tw-static-operand-type", T, tw(tupd({"pk": S("x")}, "SET n = n + :s", ExpressionAttributeValues={":s": S("x")}))),
    case("tw-empty-key-string", T, tw(tput({"pk": S("")}))),
    case("tw-put-missing-key", T, tw(tput({"v": S("x")}))),
    case("tw-item-too-large", T, tw(tput({"pk": S("twl"), "x": S("x" * 409600)}))),
    case("tw-payload-over-4mb", T, tw(*[tput({"pk": S(f"m{i}"), "x": S("x" * 350000)}) for i in range(12)])),
    # --- TransactGetItems ---------------------------------------------------------------
    case("tg-found-missing-projected", G, {"TransactItems": [
        tget({"pk": S("tg-a")}), tget({"pk": S("tg-none")}), tget({"pk": S("tg-b")}, ProjectionExpression="#v", ExpressionAttributeNames={"#v": "v"}),
    ]}, setup=[put(H, {"pk": S("tg-a"), "v": N(1)}), put(H, {"pk": S("tg-b"), "v": N(2), "w": N(3)})]),
    case("tg-projection-matches-nothing", G, {"TransactItems": [tget({"pk": S("tg-c")}, ProjectionExpression="nope")]},
         setup=[put(H, {"pk": S("tg-c"), "v": N(1)})]),
    case("tg-rcc-total", G, {"TransactItems": gets("tgr", 2), "ReturnConsumedCapacity": "TOTAL"},
         setup=[put(H, {"pk": S("tgr-0"), "x": S("x" * 9000)})]),
    case("tg-rcc-indexes", G, {"TransactItems": [tget({"pk": S("tgi"), "sk": S("a")}, table=I)], "ReturnConsumedCapacity": "INDEXES"}),
    case("tg-100-gets", G, {"TransactItems": gets("tg100", 100)}),
    case("tg-101-gets", G, {"TransactItems": gets("tg101", 101)},
         expect_divergence="AWS echoes the whole list in a Coral length message",
         eddy=aws_error("ValidationException", ANY)),
    case("tg-empty-items", G, {"TransactItems": []},
         expect_divergence="Local reports the empty list as null; AWS as a Coral length violation",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    case("tg-same-item", G, {"TransactItems": gets("tgs", 1) * 2}),
    case("tg-missing-table", G, {"TransactItems": [tget({"pk": S("x")}, table="@RUN@missing")]},
         expect_divergence="DynamoDB Local says 'Cannot do operations on a non-existent table'",
         eddy=aws_error("ResourceNotFoundException", "Requested resource not found")),
    case("tg-bad-projection", G, {"TransactItems": [tget({"pk": S("x")}, ProjectionExpression="!!!")]}),
    case("tg-names-without-projection", G, {"TransactItems": [tget({"pk": S("x")}, ExpressionAttributeNames={"#a": "a"})]}),
    case("tg-undefined-name", G, {"TransactItems": [tget({"pk": S("x")}, ProjectionExpression="#a")]}),
    case("tg-empty-key-string", G, {"TransactItems": [tget({"pk": S("")})]}),
    case("tg-key-type", G, {"TransactItems": [tget({"pk": N(1)}), tget({"pk": S("tgk")})]},
         expect_divergence="AWS cancels with a ValidationError reason per Get; Local sends no reasons",
         eddy=cancelled(("ValidationError", "The provided key element does not match the schema"), ("None", None))),
]
