//! A fake SMS gateway on loopback that records what it is sent.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use serde_json::Value;
use tokio::net::TcpListener;

/// Every request: its `Authorization` header (empty when absent) and its JSON body.
#[derive(Clone, Default)]
pub struct Gateway {
    pub hits: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Gateway {
    /// Listens on a free loopback port; returns the gateway and its `/sms` URL.
    pub async fn start() -> (Self, String) {
        let g = Self::default();
        let app = axum::Router::new()
            .route("/sms", axum::routing::post(receive_sms))
            .with_state(g.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (g, url)
    }

    /// The texts sent to `phone`, oldest first.
    pub fn texts_to(&self, phone: &str) -> Vec<String> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["to"] == phone)
            .map(|(_, v)| v["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

async fn receive_sms(
    State(g): State<Gateway>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> axum::http::StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    g.hits.lock().unwrap().push((auth, body));
    axum::http::StatusCode::ACCEPTED
}
