//! Item size as DynamoDB computes it (for the 400 KB limit and consumed capacity).
