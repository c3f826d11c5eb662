//! Plugs eddy's local function runtime into event source mappings: the
//! [`Invoker`] the pollers call is [`Functions::invoke`].

use eddy_server::eddy_lambda::{Functions, LambdaError};
use eddy_server::eddy_triggers::{Invocation, InvokeError, Invoker};
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
