//! Feeding a long stream of events (a list import, the demo company) to the writer with a
//! few requests in flight, so producing the next chunk overlaps committing the last.

use std::collections::VecDeque;

use leadline_core::CaptureEvent;
use tokio::task::JoinHandle;

use super::{CaptureOutcome, Capturer};
use crate::{Result, StoreError};

/// Requests in flight at once (the writer groups them into one commit).
const IN_FLIGHT: usize = 4;

/// A bounded queue of capture requests; outcomes come back in submission order.
pub struct Pipeline {
    capturer: Capturer,
    in_flight: VecDeque<JoinHandle<Result<Vec<CaptureOutcome>>>>,
}

impl Pipeline {
    pub fn new(capturer: &Capturer) -> Pipeline {
        Pipeline {
            capturer: capturer.clone(),
            in_flight: VecDeque::new(),
        }
    }

    /// Submits a chunk; when the queue is full, waits for the oldest request and returns its
    /// outcomes (committed), else an empty list.
    pub async fn push(&mut self, events: Vec<CaptureEvent>) -> Result<Vec<CaptureOutcome>> {
        let c = self.capturer.clone();
        self.in_flight
            .push_back(tokio::spawn(async move { c.capture(events).await }));
        if self.in_flight.len() >= IN_FLIGHT {
            self.settle_one().await
        } else {
            Ok(Vec::new())
        }
    }

    /// Waits for the oldest request still in flight; `None` when there is none.
    pub async fn next_done(&mut self) -> Option<Result<Vec<CaptureOutcome>>> {
        if self.in_flight.is_empty() {
            None
        } else {
            Some(self.settle_one().await)
        }
    }

    async fn settle_one(&mut self) -> Result<Vec<CaptureOutcome>> {
        match self.in_flight.pop_front() {
            Some(h) => h
                .await
                .map_err(|e| StoreError::Corrupt(format!("capture task failed: {e}")))?,
            None => Ok(Vec::new()),
        }
    }
}
