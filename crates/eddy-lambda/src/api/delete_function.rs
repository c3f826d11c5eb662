//! DeleteFunction: `DELETE /2015-03-31/functions/{name}` → 204. Idle instances are
//! killed; running invocations finish, and their instances are discarded.

use super::get_function::load;
use super::{Query, RestResponse};
use crate::Functions;
use crate::error::LambdaError;
use std::sync::Arc;

pub(super) async fn delete_function(
    f: &Arc<Functions>,
    name: &str,
    q: &Query,
) -> Result<RestResponse, LambdaError> {
    let _guard = f.write_lock.lock().await;
    let record = load(f, name, q)?;
    f.store().delete(&record.name).await?;
    f.pools().reset(&record.name);
    tracing::info!(function = %record.name, "function deleted");
    Ok(RestResponse::empty(204))
}
