//! Plugs eddy's local function runtime into event source mappings: the
//! [`Invoker`] the pollers call is [`Functions::invoke`], and on-failure records go to
//! this server's own queues and topics ([`LocalDestinations`]).

use eddy_server::eddy_lambda::{Functions, LambdaError};
use eddy_server::eddy_sns::Sns;
use eddy_server::eddy_sqs::Queues;
use eddy_server::eddy_triggers::{FailureDestination, Invocation, InvokeError, Invoker};
use futures::future::BoxFuture;
use std::sync::Arc;

/// [`Invoker`] over the function service.
pub struct FunctionsInvoker(pub Arc<Functions>);

impl Invoker for FunctionsInvoker {
    fn function_arn(&self, name_or_arn: &str) -> Option<String> {
        self.0.function_arn(name_or_arn)
    }

    fn invoke(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> BoxFuture<'static, Result<Invocation, InvokeError>> {
        let (functions, arn) = (self.0.clone(), function_arn.to_string());
        Box::pin(async move {
            match functions.invoke(&arn, payload).await {
                Ok(out) => Ok(Invocation {
                    payload: out.payload,
                    function_error: out.function_error,
                }),
                Err(LambdaError::ResourceNotFound(_)) => Err(InvokeError::NotFound),
                Err(LambdaError::TooManyRequests { reason, .. }) => {
                    Err(InvokeError::Throttled(reason))
                }
                Err(e) => Err(InvokeError::Service(e.to_string())),
            }
        })
    }
}

/// [`FailureDestination`] over this server's queues and topics: an event source
/// mapping's `DestinationConfig.OnFailure` record (spec §2.9) becomes an SQS message or
/// an SNS notification whose body is the record's JSON, as on AWS.
pub struct LocalDestinations {
    /// The queue service.
    pub queues: Arc<Queues>,
    /// The topic service.
    pub sns: Arc<Sns>,
}

impl FailureDestination for LocalDestinations {
    fn send(
        &self,
        destination_arn: &str,
        record: serde_json::Value,
    ) -> BoxFuture<'static, Result<(), String>> {
        let (queues, sns) = (self.queues.clone(), self.sns.clone());
        let arn = destination_arn.to_string();
        Box::pin(async move {
            let body = record.to_string();
            if arn.starts_with("arn:aws:sqs:") {
                queues
                    .send_message(&arn, body, Vec::new())
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            } else if arn.starts_with("arn:aws:sns:") {
                sns.publish_message(&arn, &body)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            } else {
                Err(format!(
                    "eddy delivers on-failure records to SQS queues and SNS topics, not to {arn}"
                ))
            }
        })
    }
}
