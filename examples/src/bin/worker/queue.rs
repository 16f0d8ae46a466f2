//! The queue in Redis: a reliable-queue pattern on three lists. Producers `LPUSH` messages onto
//! `<queue>`; the worker moves one at a time onto `<queue>:processing` (`BLMOVE`), so a message
//! it was handling when it died is still there for the sweep to put back; a message that failed
//! too often goes to `<queue>:dead`.
//!
//! A message is `id:enqueued_ms:attempt:payload`: its id, when it was first enqueued (Unix
//! milliseconds; a redelivery keeps it, so the age counts every retry), how many attempts it has
//! had, and what to do.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::{Connection, RedisError};

/// A message taken from the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Message {
    pub(crate) id: String,
    pub(crate) enqueued_ms: u64,
    pub(crate) attempt: u32,
    pub(crate) payload: String,
}

impl Message {
    /// Reads a message; `None` when it does not have the four fields.
    pub(crate) fn parse(raw: &str) -> Option<Message> {
        let mut fields = raw.splitn(4, ':');
        let id = fields.next()?.to_owned();
        let enqueued_ms = fields.next()?.parse().ok()?;
        let attempt = fields.next()?.parse().ok()?;
        let payload = fields.next()?.to_owned();
        Some(Message {
            id,
            enqueued_ms,
            attempt,
            payload,
        })
    }

    /// The same message for its next attempt.
    pub(crate) fn retried(&self) -> Message {
        Message {
            attempt: self.attempt + 1,
            ..self.clone()
        }
    }

    /// How long ago it was first enqueued, in seconds (0 for a clock that went back).
    pub(crate) fn age_seconds(&self) -> f64 {
        now_ms().saturating_sub(self.enqueued_ms) as f64 / 1000.0
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.id, self.enqueued_ms, self.attempt, self.payload
        )
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The three lists of one queue, and the connection to them.
pub(crate) struct Queue {
    connection: Connection,
    ready: String,
    processing: String,
    dead: String,
}

impl Queue {
    pub(crate) fn open(url: &str, name: &str) -> Result<Queue, RedisError> {
        let connection = redis::Client::open(url)?.get_connection()?;
        Ok(Queue {
            connection,
            ready: name.to_owned(),
            processing: format!("{name}:processing"),
            dead: format!("{name}:dead"),
        })
    }

    /// The next message, moved onto the processing list; `None` when none came within
    /// `wait_seconds`.
    pub(crate) fn take(&mut self, wait_seconds: f64) -> Result<Option<String>, RedisError> {
        redis::cmd("BLMOVE")
            .arg(&self.ready)
            .arg(&self.processing)
            .arg("RIGHT")
            .arg("LEFT")
            .arg(wait_seconds)
            .query(&mut self.connection)
    }

    /// Done with `raw`: off the processing list.
    pub(crate) fn finish(&mut self, raw: &str) -> Result<(), RedisError> {
        redis::cmd("LREM")
            .arg(&self.processing)
            .arg(1)
            .arg(raw)
            .query(&mut self.connection)
    }

    /// `raw` off the processing list and `next` back on the queue, in one transaction.
    pub(crate) fn requeue(&mut self, raw: &str, next: &Message) -> Result<(), RedisError> {
        let ready = self.ready.clone();
        self.settle(raw, &ready, &next.to_string())
    }

    /// `raw` off the processing list and onto the dead-letter list, in one transaction.
    pub(crate) fn bury(&mut self, raw: &str) -> Result<(), RedisError> {
        let dead = self.dead.clone();
        self.settle(raw, &dead, raw)
    }

    /// `raw` off the processing list and `message` onto `list`, in one transaction.
    fn settle(&mut self, raw: &str, list: &str, message: &str) -> Result<(), RedisError> {
        redis::pipe()
            .atomic()
            .cmd("LREM")
            .arg(&self.processing)
            .arg(1)
            .arg(raw)
            .ignore()
            .cmd("LPUSH")
            .arg(list)
            .arg(message)
            .ignore()
            .query(&mut self.connection)
    }

    /// Moves every message left on the processing list back onto the queue; returns how many.
    /// Called between messages, so anything there was abandoned by a worker that died.
    pub(crate) fn reclaim(&mut self) -> Result<u64, RedisError> {
        let mut moved = 0;
        loop {
            let message: Option<String> = redis::cmd("LMOVE")
                .arg(&self.processing)
                .arg(&self.ready)
                .arg("RIGHT")
                .arg("LEFT")
                .query(&mut self.connection)?;
            match message {
                Some(_) => moved += 1,
                None => return Ok(moved),
            }
        }
    }

    /// The lengths of the queue, the processing list and the dead-letter list.
    pub(crate) fn depths(&mut self) -> Result<[(&'static str, u64); 3], RedisError> {
        let (ready, processing, dead): (u64, u64, u64) = redis::pipe()
            .cmd("LLEN")
            .arg(&self.ready)
            .cmd("LLEN")
            .arg(&self.processing)
            .cmd("LLEN")
            .arg(&self.dead)
            .query(&mut self.connection)?;
        Ok([("ready", ready), ("processing", processing), ("dead", dead)])
    }
}

#[cfg(test)]
mod tests {
    use super::Message;

    #[test]
    fn messages_round_trip_and_keep_their_enqueue_time() {
        let message = Message::parse("7:1700000000000:0:resize:a.png").expect("a message");
        assert_eq!(message.payload, "resize:a.png");
        let retried = message.retried();
        assert_eq!(retried.to_string(), "7:1700000000000:1:resize:a.png");
        assert_eq!(Message::parse("7:soon:0:x"), None);
        assert_eq!(Message::parse("7:1"), None);
    }
}
