"""SNS API over the query protocol with boto3 and the aws CLI (spec §4.3): topics,
subscriptions, attributes, tags, Publish validation and the XML error envelope."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request

import pytest
from botocore.exceptions import ClientError

from sns_util import Receiver, sns_client, unique


@pytest.fixture(scope="module")
def sns(eddy):
    return sns_client(eddy.endpoint)


def err(excinfo) -> tuple[str, int, str]:
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Message"]


def test_create_topic_is_idempotent_and_listed(sns):
    name = unique("t")
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:000000000000:{name}"
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    arns = []
    kwargs = {}
    while True:
        page = sns.list_topics(**kwargs)
        arns += [t["TopicArn"] for t in page["Topics"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert arn in arns
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["TopicArn"] == arn
    assert attrs["Owner"] == "000000000000"
    assert attrs["SubscriptionsConfirmed"] == "0"
    assert json.loads(attrs["Policy"])["Statement"][0]["Resource"] == arn
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # deleting twice is fine
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn=arn)
    assert err(e)[:2] == ("NotFound", 404)


def test_create_topic_with_different_attributes_fails(sns):
    name = unique("t")
    sns.create_topic(Name=name, Attributes={"DisplayName": "a"})
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name=name, Attributes={"DisplayName": "b"})
    assert err(e)[:2] == ("InvalidParameter", 400)


@pytest.mark.parametrize("name", ["", "has space", "dot.name", "x" * 257, "a:b"])
def test_invalid_topic_names(sns, name):
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name=name)
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_fifo_topics_need_the_suffix_and_group_ids(sns):
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name=unique("nofifo"), Attributes={"FifoTopic": "true"})
    assert err(e)[0] == "InvalidParameter"
    arn = sns.create_topic(Name=unique("f") + ".fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=arn, Message="m")
    assert "MessageGroupId" in err(e)[2]
    out = sns.publish(TopicArn=arn, Message="m", MessageGroupId="g")
    assert out["SequenceNumber"].isdigit()


def test_set_topic_attributes(sns):
    arn = sns.create_topic(Name=unique("t"))["TopicArn"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Shop")
    policy = {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1, "maxDelayTarget": 2}}}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(policy))
    sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Shop"
    assert attrs["SignatureVersion"] == "2"
    assert json.loads(attrs["DeliveryPolicy"]) == policy
    for name, value in [("Nope", "x"), ("SignatureVersion", "3"), ("DeliveryPolicy", "{bad")]:
        with pytest.raises(ClientError) as e:
            sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
        assert err(e)[0] == "InvalidParameter", name


def test_subscriptions_lifecycle(sns):
    arn = sns.create_topic(Name=unique("t"))["TopicArn"]
    rx = Receiver(statuses=lambda r: 200)
    try:
        pending = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=rx.url + "/a")
        assert pending["SubscriptionArn"] == "pending confirmation"
        full = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=rx.url + "/a", ReturnSubscriptionArn=True)
        assert full["SubscriptionArn"].startswith(arn + ":")
        q = "arn:aws:sqs:us-east-1:000000000000:" + unique("q")
        sqs_sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=q)["SubscriptionArn"]
        assert sqs_sub.startswith(arn + ":")
        subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        by_proto = {s["Protocol"]: s for s in subs}
        assert by_proto["http"]["SubscriptionArn"] == "PendingConfirmation"
        assert by_proto["sqs"]["SubscriptionArn"] == sqs_sub
        assert by_proto["sqs"]["Endpoint"] == q and by_proto["sqs"]["Owner"] == "000000000000"
        all_subs = sns.list_subscriptions()["Subscriptions"]
        assert any(s["SubscriptionArn"] == sqs_sub for s in all_subs)

        attrs = sns.get_subscription_attributes(SubscriptionArn=full["SubscriptionArn"])["Attributes"]
        assert attrs["PendingConfirmation"] == "true"
        assert attrs["Protocol"] == "http" and attrs["RawMessageDelivery"] == "false"
        assert "EffectiveDeliveryPolicy" in attrs

        sns.set_subscription_attributes(SubscriptionArn=sqs_sub, AttributeName="RawMessageDelivery", AttributeValue="true")
        fp = {"store": ["example_corp"]}
        sns.set_subscription_attributes(SubscriptionArn=sqs_sub, AttributeName="FilterPolicy", AttributeValue=json.dumps(fp))
        dlq = "arn:aws:sqs:us-east-1:000000000000:dlq"
        sns.set_subscription_attributes(SubscriptionArn=sqs_sub, AttributeName="RedrivePolicy", AttributeValue=json.dumps({"deadLetterTargetArn": dlq}))
        attrs = sns.get_subscription_attributes(SubscriptionArn=sqs_sub)["Attributes"]
        assert attrs["RawMessageDelivery"] == "true"
        assert json.loads(attrs["FilterPolicy"]) == fp
        assert attrs["FilterPolicyScope"] == "MessageAttributes"
        assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"] == dlq

        sns.unsubscribe(SubscriptionArn=sqs_sub)
        with pytest.raises(ClientError) as e:
            sns.get_subscription_attributes(SubscriptionArn=sqs_sub)
        assert err(e)[:2] == ("NotFound", 404)
        with pytest.raises(ClientError) as e:
            sns.unsubscribe(SubscriptionArn="not-an-arn")
        assert err(e)[0] == "InvalidParameter"
    finally:
        rx.close()


@pytest.mark.parametrize(
    "protocol,endpoint",
    [
        ("http", "https://x.example/"),
        ("https", "http://x.example/"),
        ("email", "not-an-address"),
        ("sms", "call me"),
        ("whatsapp", "12ab"),
        ("sqs", "my-queue"),
        ("lambda", "my-function"),
        ("carrier-pigeon", "x"),
    ],
)
def test_subscribe_validates_endpoints(sns, protocol, endpoint):
    arn = sns.create_topic(Name="validate-endpoints")["TopicArn"]
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
    assert err(e)[:2] == ("InvalidParameter", 400)


@pytest.mark.parametrize(
    "attrs",
    [
        {"RawMessageDelivery": "yes"},
        {"FilterPolicy": "not json"},
        {"FilterPolicy": '{"a": "not-an-array"}'},
        {"FilterPolicy": '{"a": [{"numeric": ["<>", 1]}]}'},
        {"FilterPolicyScope": "Everything"},
        {"RedrivePolicy": '{"deadLetterTargetArn": "nope"}'},
        {"DeliveryPolicy": '{"healthyRetryPolicy": {"minDelayTarget": 9, "maxDelayTarget": 1}}'},
        {"Bogus": "1"},
    ],
)
def test_subscribe_validates_attributes(sns, attrs):
    arn = sns.create_topic(Name="validate-attrs")["TopicArn"]
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q", Attributes=attrs)
    assert err(e)[:2] == ("InvalidParameter", 400)


def test_raw_delivery_is_refused_for_email(sns):
    arn = sns.create_topic(Name="raw-email")["TopicArn"]
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com", Attributes={"RawMessageDelivery": "true"})
    assert "raw message delivery" in err(e)[2]


def test_publish_validation(sns):
    arn = sns.create_topic(Name=unique("t"))["TopicArn"]
    cases = [
        (dict(TopicArn=arn, Message=""), "InvalidParameter"),
        (dict(TopicArn=arn, Message="m", Subject="line\nbreak"), "InvalidParameter"),
        (dict(TopicArn=arn, Message="m", Subject="x" * 100), "InvalidParameter"),
        (dict(TopicArn=arn, Message="x" * (256 * 1024 + 1)), "InvalidParameter"),
        (dict(TopicArn=arn, Message="{not json", MessageStructure="json"), "InvalidParameter"),
        (dict(TopicArn=arn, Message='{"email": "x"}', MessageStructure="json"), "InvalidParameter"),
        (dict(TopicArn=arn, Message="m", MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}}), "ParameterValueInvalid"),
        (dict(TopicArn=arn, Message="m", MessageAttributes={"n": {"DataType": "Weird", "StringValue": "1"}}), "ParameterValueInvalid"),
        (dict(TopicArn=arn, Message="m", MessageAttributes={"AWS.x": {"DataType": "String", "StringValue": "1"}}), "ParameterValueInvalid"),
        (dict(TopicArn=arn + "-missing", Message="m"), "NotFound"),
        (dict(TopicArn="arn:nope", Message="m"), "InvalidParameter"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError) as e:
            sns.publish(**kwargs)
        assert err(e)[0] == code, (kwargs.get("Subject"), kwargs.get("MessageStructure"), err(e))
    assert sns.publish(TopicArn=arn, Message="x" * (256 * 1024), Subject="x" * 99)["MessageId"]
    assert sns.publish(TargetArn=arn, Message="m")["MessageId"]
    ok = sns.publish(TopicArn=arn, Message='{"default": "d", "email": "e"}', MessageStructure="json")
    assert ok["MessageId"]


def test_publish_batch(sns):
    arn = sns.create_topic(Name=unique("t"))["TopicArn"]
    out = sns.publish_batch(
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {"Id": "a", "Message": "one"},
            {"Id": "b", "Message": "two", "Subject": "bad\nsubject"},
            {"Id": "c", "Message": "three", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        ],
    )
    assert sorted(s["Id"] for s in out["Successful"]) == ["a", "c"]
    assert [f["Id"] for f in out["Failed"]] == ["b"]
    assert out["Failed"][0]["Code"] == "InvalidParameter" and out["Failed"][0]["SenderFault"] is True
    for entries, code in [
        ([], "EmptyBatchRequest"),
        ([{"Id": str(i), "Message": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        ([{"Id": "x", "Message": "m"}, {"Id": "x", "Message": "n"}], "BatchEntryIdsNotDistinct"),
        ([{"Id": "bad id!", "Message": "m"}], "InvalidBatchEntryId"),
    ]:
        with pytest.raises(ClientError) as e:
            sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
        assert err(e)[0] == code


def test_tags(sns):
    arn = sns.create_topic(Name=unique("t"), Tags=[{"Key": "team", "Value": "shop"}])["TopicArn"]
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "shop"}]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "ops"}])
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "ops", "env": "dev"}
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as e:
        sns.list_tags_for_resource(ResourceArn=arn + "-missing")
    assert err(e)[:2] == ("ResourceNotFound", 404)
    with pytest.raises(ClientError) as e:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert err(e)[0] == "TagLimitExceeded"


def test_xml_envelopes_on_the_wire(eddy):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    def post(body: str):
        aws = AWSRequest(
            method="POST",
            url=eddy.endpoint + "/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        SigV4Auth(Credentials("x", "x"), "sns", "us-east-1").add_auth(aws)
        req = urllib.request.Request(eddy.endpoint + "/", data=body.encode(), headers=dict(aws.headers.items()))
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    status, headers, body = post("Action=CreateTopic&Version=2010-03-31&Name=wire-topic")
    assert status == 200
    assert body.startswith('<CreateTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><CreateTopicResult><TopicArn>')
    assert f"<RequestId>{headers['x-amzn-RequestId']}</RequestId>" in body
    status, _, body = post("Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:missing")
    assert status == 404
    assert "<ErrorResponse" in body and "<Type>Sender</Type><Code>NotFound</Code>" in body
    status, _, body = post("Action=Frobnicate&Version=2010-03-31")
    assert status == 400 and "<Code>InvalidAction</Code>" in body


def test_aws_cli(eddy):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    base = ["aws", "--endpoint-url", eddy.endpoint, "--output", "json", "sns"]
    name = unique("cli")
    out = subprocess.run(base + ["create-topic", "--name", name], env=env, capture_output=True, text=True, check=True)
    arn = json.loads(out.stdout)["TopicArn"]
    out = subprocess.run(
        base + ["publish", "--topic-arn", arn, "--message", "hi", "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}'],
        env=env, capture_output=True, text=True, check=True,
    )
    assert json.loads(out.stdout)["MessageId"]
    out = subprocess.run(base + ["list-topics"], env=env, capture_output=True, text=True, check=True)
    assert arn in [t["TopicArn"] for t in json.loads(out.stdout)["Topics"]]
    bad = subprocess.run(base + ["get-topic-attributes", "--topic-arn", arn + "x"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "NotFound" in bad.stderr
