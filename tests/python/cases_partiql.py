"""Differential cases: PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction).

Every statement kind, parameters, literals, projections, key conditions, paging (the
opaque NextToken is compared for presence only, see differ.py), and the errors.

Recorded AWS behaviour where DynamoDB Local differs (eddy answers like AWS):
- request-shape errors (missing or empty Statement, empty Parameters, empty or oversized
  statement lists) carry Coral's "N validation error(s) detected" wording; Local has its
  own texts ("The statement was empty.") or fails with HTTP 500;
- a missing table is "Requested resource not found", as for the item operations;
- INSERT of an existing item is `DuplicateItemException` (Local sends `DuplicateItem`),
  and inside ExecuteTransaction the reason code is `DuplicateItem` (Local: ValidationError);
- ReturnConsumedCapacity is honoured (Local never returns ConsumedCapacity for PartiQL).
Scans and multi-partition reads are only compared on fresh tables with one matching item,
since eddy's scan order (by key hash) is not Local's.
"""

from cases_common import ANY, N, S, aws_error, case, put, table

H = "@HASH@"
C = "@COMP@"
I = "@IDX@"
E = "ExecuteStatement"
BE = "BatchExecuteStatement"
TX = "ExecuteTransaction"
CCF = "The conditional request failed"
RNF = "Requested resource not found"
LOCAL_RNF = "DynamoDB Local says 'Cannot do operations on a non-existent table'"


def st(text, params=None, **kw):
    """An ExecuteStatement body."""
    body = {"Statement": text}
    if params is not None:
        body["Parameters"] = params
    body.update(kw)
    return body


def run(text, params=None, **kw):
    """A setup step running one statement."""
    return (E, st(text, params, **kw))


def ins(tbl, literal):
    return run(f'INSERT INTO "{tbl}" VALUE {literal}')


def row(pk):
    """An item literal of every type, keyed `pk` (each case uses its own)."""
    return f"{{'pk': '{pk}', 'n': 1, 's': 'text', 'b': true, 'z': null, 'l': [1, 'x', [2]], 'm': {{'k': {{'d': 3}}}}, 'ss': <<'a', 'b'>>, 'ns': <<1, 2>>}}"

CASES = [
    # --- INSERT ---------------------------------------------------------------------------
    case("pq-insert", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-ins\', \'v\': 1}}')),
    case("pq-insert-then-getitem", "GetItem", {"TableName": H, "Key": {"pk": S("r-insert-then-getitem")}}, setup=[ins(H, row("r-insert-then-getitem"))]),
    case("pq-insert-params-then-select", E, st(f'SELECT * FROM "{H}" WHERE pk = ?', [S("pq-par")]),
         setup=[run(f'INSERT INTO "{H}" VALUE {{\'pk\': ?, \'bin\': ?, \'n\': ?, \'m\': ?}}', [S("pq-par"), {"B": "AAEC"}, N("-1.50"), {"M": {"x": {"L": [S("y")]}}}])]),
    case("pq-insert-duplicate", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-dup\'}}'), setup=[put(H, {"pk": S("pq-dup")})],
         expect_divergence="DynamoDB Local's error type is DuplicateItem; AWS's is DuplicateItemException",
         eddy=aws_error("DuplicateItemException", "Duplicate primary key exists in table")),
    case("pq-insert-missing-key", E, st(f'INSERT INTO "{C}" VALUE {{\'pk\': \'pq-x\'}}')),
    case("pq-insert-key-type", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': 1}}')),
    case("pq-insert-empty-key", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'\'}}')),
    case("pq-insert-duplicate-attribute", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-a\', \'pk\': \'pq-b\'}}')),
    case("pq-insert-empty-bag", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-eb\', \'x\': <<>>}}')),
    case("pq-insert-bag-duplicates", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-bd\', \'x\': <<1, 1.0>>}}')),
    case("pq-insert-bag-mixed", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-bm\', \'x\': <<\'a\', 1>>}}')),
    case("pq-insert-number-overflow", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-no\', \'x\': 1e400}}')),
    case("pq-insert-missing-literal", E, st(f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-ml\', \'x\': {{\'y\': missing}}}}')),
    case("pq-insert-value-parameter", E, st(f'INSERT INTO "{H}" VALUE ?', [{"M": {"pk": S("pq-vp")}}])),
    # --- SELECT ---------------------------------------------------------------------------
    case("pq-select-all-types", E, st(f'SELECT * FROM "{H}" WHERE pk = \'r-select-all-types\''), setup=[ins(H, row("r-select-all-types"))]),
    case("pq-select-projection", E, st(f'SELECT n, m.k.d, l[1], "s", nope FROM "{H}" WHERE pk = \'r-select-projection\''), setup=[ins(H, row("r-select-projection"))]),
    case("pq-select-projection-duplicate-name", E, st(f'SELECT m.k, k FROM "{H}" WHERE pk = \'r-select-projection-duplicate-name\'')),
    case("pq-select-projection-overlap", E, st(f'SELECT m, m.k FROM "{H}" WHERE pk = \'r-select-projection-overlap\'')),
    case("pq-select-filter-functions", E, st(f'SELECT pk FROM "{H}" WHERE pk = \'r-select-filter-functions\' AND contains(ss, \'a\') AND attribute_type(m, \'M\') AND size(l) = 3 AND nope IS MISSING AND z IS NULL AND begins_with(s, \'te\')'), setup=[ins(H, row("r-select-filter-functions"))]),
    case("pq-select-filter-false", E, st(f'SELECT pk FROM "{H}" WHERE pk = \'r-select-filter-false\' AND (n > 1 OR NOT b = true)'), setup=[ins(H, row("r-select-filter-false"))]),
    case("pq-select-sort-key-range", E, st(f'SELECT sk FROM "{C}" WHERE pk = \'pq-sr\' AND sk BETWEEN 2 AND 4'),
         setup=[ins(C, f"{{'pk': 'pq-sr', 'sk': {i}}}") for i in range(6)]),
    case("pq-select-order-desc", E, st(f'SELECT * FROM "{C}" WHERE pk = \'pq-od\' ORDER BY sk DESC'),
         setup=[ins(C, f"{{'pk': 'pq-od', 'sk': {i}}}") for i in range(4)]),
    case("pq-select-in-partitions", E, st(f'SELECT pk, sk FROM "{C}" WHERE pk IN [\'pq-in1\', \'pq-in2\'] AND sk = 1'),
         setup=[ins(C, "{'pk': 'pq-in1', 'sk': 1}"), ins(C, "{'pk': 'pq-in2', 'sk': 1}"), ins(C, "{'pk': 'pq-in2', 'sk': 2}")]),
    case("pq-select-limit-page", E, st(f'SELECT sk FROM "{C}" WHERE pk = \'pq-lim\'', Limit=2),
         setup=[ins(C, f"{{'pk': 'pq-lim', 'sk': {i}}}") for i in range(3)]),
    case("pq-select-limit-filtered", E, st(f'SELECT sk FROM "{C}" WHERE pk = \'pq-lf\' AND sk > 0 AND odd = 1', Limit=1),
         setup=[ins(C, f"{{'pk': 'pq-lf', 'sk': {i}, 'odd': {i % 2}}}") for i in range(3)]),
    case("pq-select-scan", E, st('SELECT * FROM "@NEW@" WHERE v = 2'),
         setup=[("CreateTable", table()), ins("@NEW@", "{'pk': 'a', 'v': 1}"), ins("@NEW@", "{'pk': 'b', 'v': 2}")]),
    case("pq-select-gsi", E, st(f'SELECT * FROM "{I}"."gsi1" WHERE gpk = \'pq-g\''),
         setup=[ins(I, "{'pk': 'pq-gi', 'sk': 'a', 'gpk': 'pq-g', 'x': 1}")]),
    case("pq-select-missing-index", E, st(f'SELECT * FROM "{H}"."nope"')),
    case("pq-select-gsi-consistent", E, st(f'SELECT * FROM "{I}"."gsi1" WHERE gpk = \'x\'', ConsistentRead=True)),
    case("pq-select-key-type", E, st(f'SELECT * FROM "{C}" WHERE pk = \'pq-x\' AND sk = \'one\'')),
    case("pq-select-order-by-without-where", E, st(f'SELECT * FROM "{C}" ORDER BY sk')),
    case("pq-select-order-by-non-key", E, st(f'SELECT * FROM "{C}" WHERE pk = \'x\' ORDER BY v')),
    case("pq-select-missing-compared", E, st(f'SELECT * FROM "{H}" WHERE pk = \'x\' AND v = missing')),
    case("pq-select-unknown-function", E, st(f'SELECT * FROM "{H}" WHERE pk = \'x\' AND upper(v) = \'A\'')),
    case("pq-select-reserved-word", E, st(f'SELECT user FROM "{H}" WHERE pk = \'x\'')),
    case("pq-select-rcc", E, st(f'SELECT * FROM "{H}" WHERE pk = \'r-select-rcc\'', ReturnConsumedCapacity="TOTAL", ConsistentRead=True),
         setup=[ins(H, row("r-select-rcc"))],
         expect_divergence="DynamoDB Local returns no ConsumedCapacity for PartiQL",
         eddy={"status": 200, "body": {"Items": ANY, "ConsumedCapacity": {"TableName": ANY, "CapacityUnits": 1.0}}}),
    # --- UPDATE ---------------------------------------------------------------------------
    case("pq-update-then-select", E, st(f'SELECT * FROM "{H}" WHERE pk = \'r-update-then-select\''),
         setup=[ins(H, row("r-update-then-select")), run(f'UPDATE "{H}" SET n = n + 41, l = list_append(l, [9]), ss = set_add(ss, <<\'c\'>>), m.k.e = \'new\' REMOVE s WHERE pk = \'r-update-then-select\'')]),
    case("pq-update-missing-item", E, st(f'UPDATE "{H}" SET v = 1 WHERE pk = \'pq-none\'')),
    case("pq-update-condition-all-old", E, st(f'UPDATE "{H}" SET v = 2 WHERE pk = \'pq-uc\' AND v = 9', ReturnValuesOnConditionCheckFailure="ALL_OLD"),
         setup=[put(H, {"pk": S("pq-uc"), "v": N(1)})]),
    case("pq-update-key-attribute", E, st(f'UPDATE "{C}" SET pk = \'z\' WHERE pk = \'x\' AND sk = 1')),
    case("pq-update-partial-key", E, st(f'UPDATE "{C}" SET v = 1 WHERE pk = \'x\'')),
    case("pq-update-two-key-values", E, st(f'UPDATE "{C}" SET v = 1 WHERE pk = \'x\' AND pk = \'y\' AND sk = 1')),
    case("pq-update-overlap", E, st(f'UPDATE "{H}" SET a = 1 REMOVE a WHERE pk = \'x\'')),
    case("pq-update-returning", E, st(f'UPDATE "{H}" SET v = v + 1 WHERE pk = \'pq-ur\' RETURNING ALL NEW *'), setup=[put(H, {"pk": S("pq-ur"), "v": N(1)})]),
    case("pq-update-unsupported-operator", E, st(f'UPDATE "{H}" SET v = v * 2 WHERE pk = \'x\'')),
    # --- DELETE ---------------------------------------------------------------------------
    case("pq-delete-then-getitem", "GetItem", {"TableName": H, "Key": {"pk": S("pq-del")}},
         setup=[put(H, {"pk": S("pq-del")}), run(f'DELETE FROM "{H}" WHERE pk = \'pq-del\'')]),
    case("pq-delete-missing-with-condition", E, st(f'DELETE FROM "{H}" WHERE pk = \'pq-gone\' AND v = 1')),
    case("pq-delete-condition-false", E, st(f'DELETE FROM "{H}" WHERE pk = \'pq-dc\' AND v = 2'), setup=[put(H, {"pk": S("pq-dc"), "v": N(1)})]),
    case("pq-delete-returning", E, st(f'DELETE FROM "{H}" WHERE pk = \'pq-dr\' RETURNING ALL OLD *'), setup=[put(H, {"pk": S("pq-dr"), "v": N(1)})]),
    # --- statement and request errors -----------------------------------------------------
    case("pq-syntax-error", E, st(f'SELEC * FROM "{H}"')),
    case("pq-unsupported-operation", E, st("CREATE TABLE x")),
    case("pq-too-few-parameters", E, st(f'SELECT * FROM "{H}" WHERE pk = ?')),
    case("pq-exists-outside-transaction", E, st(f'EXISTS(SELECT * FROM "{H}" WHERE pk = \'x\' AND v = 1)')),
    case("pq-missing-table", E, st('SELECT * FROM "@RUN@missing"'), expect_divergence=LOCAL_RNF, eddy=aws_error("ResourceNotFoundException", RNF)),
    case("pq-limit-zero", E, st(f'SELECT * FROM "{H}"', Limit=0)),
    case("pq-invalid-next-token", E, st(f'SELECT * FROM "{H}"', NextToken="garbage")),
    case("pq-bad-enum", E, st(f'SELECT * FROM "{H}"', ReturnValuesOnConditionCheckFailure="ALL_NEW")),
    case("pq-empty-parameters", E, st(f'SELECT * FROM "{H}" WHERE pk = \'x\'', []),
         expect_divergence="DynamoDB Local accepts an empty Parameters list; AWS's front end enforces its minimum length",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    case("pq-missing-statement", E, {},
         expect_divergence="DynamoDB Local fails with HTTP 500",
         eddy=aws_error("ValidationException", "1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null")),
    # --- BatchExecuteStatement ------------------------------------------------------------
    case("pq-batch-writes", BE, {"Statements": [
        {"Statement": f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-bw1\'}}'},
        {"Statement": f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-bw2\'}}'},
        {"Statement": f'UPDATE "{H}" SET v = 1 WHERE pk = \'pq-bw3\' AND v = 5', "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": f'UPDATE "{H}" SET v = 1 WHERE v = 5'},
        {"Statement": "SELEC"}]},
        setup=[put(H, {"pk": S("pq-bw2")}), put(H, {"pk": S("pq-bw3"), "v": N(1)})]),
    case("pq-batch-reads", BE, {"Statements": [
        {"Statement": f'SELECT v FROM "{H}" WHERE pk = \'pq-br1\''},
        {"Statement": f'SELECT * FROM "{H}" WHERE pk = \'pq-br-none\''},
        {"Statement": f'SELECT * FROM "{H}" WHERE pk = \'pq-br1\' AND v = 1'},
        {"Statement": f'SELECT * FROM "{H}" WHERE pk = ?'}]},
        setup=[put(H, {"pk": S("pq-br1"), "v": N(1)})]),
    case("pq-batch-read-write-mix", BE, {"Statements": [{"Statement": f'SELECT * FROM "{H}" WHERE pk = \'x\''}, {"Statement": f'DELETE FROM "{H}" WHERE pk = \'x\''}]}),
    case("pq-batch-duplicate-items", BE, {"Statements": [{"Statement": f'DELETE FROM "{H}" WHERE pk = \'x\''}, {"Statement": f'UPDATE "{H}" SET v = 1 WHERE pk = \'x\''}]}),
    case("pq-batch-empty", BE, {"Statements": []},
         expect_divergence="DynamoDB Local says 'The statement was empty.'; AWS's front end enforces the list's minimum length",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '[]' at 'statements' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    case("pq-batch-26", BE, {"Statements": [{"Statement": f'DELETE FROM "{H}" WHERE pk = \'x{i}\''} for i in range(26)]},
         expect_divergence="DynamoDB Local's message differs; AWS echoes the request in a length-constraint message",
         eddy=aws_error("ValidationException", ANY)),
    # --- ExecuteTransaction ---------------------------------------------------------------
    case("pq-tx-write-then-read", TX, {"TransactStatements": [
        {"Statement": f'SELECT * FROM "{H}" WHERE pk = \'pq-tw1\''},
        {"Statement": f'SELECT n FROM "{H}" WHERE pk = \'pq-tw2\''}]},
        setup=[put(H, {"pk": S("pq-tw2"), "n": N(1)}), put(H, {"pk": S("pq-tw3"), "ok": {"BOOL": True}}), (TX, {"TransactStatements": [
            {"Statement": f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-tw1\'}}'},
            {"Statement": f'UPDATE "{H}" SET n = n + 1 WHERE pk = \'pq-tw2\''},
            {"Statement": f'EXISTS(SELECT * FROM "{H}" WHERE pk = \'pq-tw3\' AND ok = true)'}]})]),
    case("pq-tx-cancelled", TX, {"TransactStatements": [
        {"Statement": f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-tc1\'}}'},
        {"Statement": f'UPDATE "{H}" SET v = 2 WHERE pk = \'pq-tc2\' AND v = 9', "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": f'DELETE FROM "{H}" WHERE pk = \'pq-tc3\''}]},
        setup=[put(H, {"pk": S("pq-tc2"), "v": N(1)})]),
    case("pq-tx-duplicate-insert", TX, {"TransactStatements": [{"Statement": f'INSERT INTO "{H}" VALUE {{\'pk\': \'pq-tdi\'}}'}]},
         setup=[put(H, {"pk": S("pq-tdi")})],
         expect_divergence="DynamoDB Local gives the reason code ValidationError; AWS's is DuplicateItem",
         eddy={"status": 400, "type": "TransactionCanceledException",
               "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [DuplicateItem]",
               "extra": {"CancellationReasons": [{"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}]}}),
    case("pq-tx-read-write-mix", TX, {"TransactStatements": [{"Statement": f'SELECT * FROM "{H}" WHERE pk = \'x\''}, {"Statement": f'DELETE FROM "{H}" WHERE pk = \'y\''}]}),
    case("pq-tx-same-item", TX, {"TransactStatements": [{"Statement": f'DELETE FROM "{H}" WHERE pk = \'x\''}, {"Statement": f'UPDATE "{H}" SET v = 1 WHERE pk = \'x\''}]}),
    case("pq-tx-select-not-single", TX, {"TransactStatements": [{"Statement": f'SELECT * FROM "{H}" WHERE pk = \'x\' AND v = 1'}]}),
    case("pq-tx-exists-without-condition", TX, {"TransactStatements": [{"Statement": f'EXISTS(SELECT * FROM "{H}" WHERE pk = \'x\')'}, {"Statement": f'DELETE FROM "{H}" WHERE pk = \'y\''}]}),
    case("pq-tx-exists-fails", TX, {"TransactStatements": [{"Statement": f'EXISTS(SELECT * FROM "{H}" WHERE pk = \'pq-tef\' AND v = 2)'}, {"Statement": f'DELETE FROM "{H}" WHERE pk = \'y\''}]},
         setup=[put(H, {"pk": S("pq-tef"), "v": N(1)})],
         expect_divergence="DynamoDB Local ends this reason's message with a period; AWS words it like every condition failure",
         eddy={"status": 400, "type": "TransactionCanceledException",
               "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
               "extra": {"CancellationReasons": [{"Code": "ConditionalCheckFailed", "Message": CCF}, {"Code": "None"}]}}),
    case("pq-tx-missing-table", TX, {"TransactStatements": [{"Statement": 'DELETE FROM "@RUN@missing" WHERE pk = \'x\''}]}),
    case("pq-tx-empty", TX, {"TransactStatements": []},
         expect_divergence="DynamoDB Local says 'ExecutePartiQLTransaction can not have empty statement.'; AWS's front end enforces the list's minimum length",
         eddy=aws_error("ValidationException", "1 validation error detected: Value '[]' at 'transactStatements' failed to satisfy constraint: Member must have length greater than or equal to 1")),
]
