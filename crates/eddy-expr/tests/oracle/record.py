#!/usr/bin/env python3
"""Records DynamoDB's answers for the expression cases in cases.py into cases.jsonl.

Run against DynamoDB Local (or AWS) when cases change:

    python3 crates/eddy-expr/tests/oracle/record.py [endpoint]

Each output line is one case plus "expect": "TRUE"/"FALSE" (conditions), the resulting
item (updates, projections), or {"error": "<ValidationException message>"}. The Rust test
tests/oracle.rs replays every line through eddy-expr and compares.
"""
import base64, json, os, sys, uuid
import boto3, botocore

sys.path.insert(0, os.path.dirname(__file__))
from cases import CASES  # noqa: E402

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else 'http://127.0.0.1:8001'
c = boto3.client('dynamodb', endpoint_url=ENDPOINT, region_name='us-east-1',
                 aws_access_key_id='x', aws_secret_access_key='x')
T = 'eddy_expr_oracle'


def setup():
    try:
        c.describe_table(TableName=T)
    except c.exceptions.ResourceNotFoundException:
        c.create_table(TableName=T, KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
                       AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
                       BillingMode='PAY_PER_REQUEST')


def to_wire(v):
    """boto3 low-level values to wire JSON (binaries base64)."""
    if isinstance(v, dict):
        return {k: to_wire(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_wire(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(bytes(v)).decode()
    return v


def from_wire(v, key=None):
    """Wire JSON to boto3 low-level values (base64 strings under B/BS to bytes)."""
    if isinstance(v, dict):
        return {k: from_wire(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [from_wire(x, key if key == 'BS' else None) for x in v]
    if key in ('B', 'BS') and isinstance(v, str):
        return base64.b64decode(v)
    return v


def error(e):
    code = e.response['Error']['Code']
    if code == 'ConditionalCheckFailedException':
        return 'FALSE'
    return {'error': e.response['Error']['Message'], 'code': code}


def run(case):
    k = 'k' + uuid.uuid4().hex[:12]
    item = from_wire(case.get('item'))
    if item is not None:
        it = dict(item)
        it['pk'] = {'S': k}
        c.put_item(TableName=T, Item=it)
    a = {}
    if case.get('names') is not None:
        a['ExpressionAttributeNames'] = case['names']
    if case.get('values') is not None:
        a['ExpressionAttributeValues'] = from_wire(case['values'])
    key = {'pk': {'S': k}}
    mode = case['mode']
    try:
        if mode == 'cond':
            c.delete_item(TableName=T, Key=key, ConditionExpression=case['expr'], **a)
            return 'TRUE'
        if mode == 'update':
            r = c.update_item(TableName=T, Key=key, UpdateExpression=case['expr'],
                              ReturnValues='ALL_NEW', **a)
            out = r.get('Attributes', {})
            out.pop('pk', None)
            return to_wire(out)
        if mode == 'proj':
            r = c.get_item(TableName=T, Key=key, ProjectionExpression=case['expr'], **a)
            out = r.get('Item', {})
            out.pop('pk', None)
            return to_wire(out)
        if mode == 'expected':
            it = dict(item or {})
            it['pk'] = {'S': k}
            extra = {}
            if case.get('op'):
                extra['ConditionalOperator'] = case['op']
            c.put_item(TableName=T, Item=it, Expected=from_wire(case['expected']), **extra)
            return 'TRUE'
        if mode == 'attribute_updates':
            r = c.update_item(TableName=T, Key=key, AttributeUpdates=from_wire(case['updates']),
                              ReturnValues='ALL_NEW')
            out = r.get('Attributes', {})
            out.pop('pk', None)
            return to_wire(out)
        raise ValueError(mode)
    except botocore.exceptions.ClientError as e:
        return error(e)
    except botocore.exceptions.ParamValidationError as e:
        return {'skip': str(e)}


def main():
    setup()
    out_path = os.path.join(os.path.dirname(__file__), 'cases.jsonl')
    n = 0
    with open(out_path, 'w') as f:
        for case in CASES:
            case = dict(case)
            case['expect'] = run(case)
            f.write(json.dumps(case, ensure_ascii=False, sort_keys=True) + '\n')
            n += 1
    print(f'recorded {n} cases into {out_path}')


if __name__ == '__main__':
    main()
