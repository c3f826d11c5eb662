"""Order notifier: an ordinary AWS Lambda handler, unchanged for eddy.

Triggered by the Orders table's stream (an event source mapping), it publishes one SNS
message per newly placed order to the topic named by the TOPIC_ARN environment variable.
Updates (MODIFY) and deletions (REMOVE) are ignored: only a new order is news.

Nothing here knows about eddy. On eddy, boto3 reaches the local server because eddy sets
AWS_ENDPOINT_URL (and a region and dummy credentials) for every function process; on AWS
the same file works as is.
"""

import os
from decimal import Decimal

import boto3

sns = boto3.client("sns")
TOPIC_ARN = os.environ["TOPIC_ARN"]


def _scalar(image, name, default=""):
    """The plain value of a DynamoDB-JSON attribute ({"S": "x"} -> "x"), or `default`."""
    value = image.get(name)
    return default if value is None else next(iter(value.values()))


def _money(number):
    """"59.9" -> "59.90" (DynamoDB normalises numbers, so trailing zeros are gone)."""
    return str(Decimal(number).quantize(Decimal("0.01")))


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        if record.get("eventName") != "INSERT":
            continue
        image = record["dynamodb"]["NewImage"]
        order_id = _scalar(image, "orderId")
        item = _scalar(image, "item", "?")
        qty = _scalar(image, "qty", "1")
        total = _money(_scalar(image, "total", "0"))
        try:
            response = sns.publish(
                TopicArn=TOPIC_ARN,
                Subject=f"Order {order_id} placed",
                Message=f"Order {order_id} placed: {item} x{qty}, total {total}",
                # Attributes let subscribers filter (FilterPolicy) without parsing the text.
                MessageAttributes={
                    "orderId": {"DataType": "String", "StringValue": order_id},
                    "total": {"DataType": "Number", "StringValue": total},
                },
            )
            print(f"published order {order_id} as message {response['MessageId']}")
        except Exception as exc:  # report just this record; the mapping retries it
            print(f"could not publish order {order_id}: {exc}")
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    # Partial batch response (the mapping has FunctionResponseTypes=ReportBatchItemFailures):
    # only the records listed here are retried.
    return {"batchItemFailures": failures}
