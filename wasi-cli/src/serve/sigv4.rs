//! AWS Signature Version 4 verification for `kstone serve --require-auth`.
//!
//! By default the server accepts any (or no) signature, as DynamoDB Local
//! does, because local tools sign with whatever credentials happen to be
//! configured. With `--require-auth KEY:SECRET` every request must carry a
//! valid SigV4 `Authorization` header made with that key pair: an unknown key
//! is `UnrecognizedClientException`, a wrong signature
//! `InvalidSignatureException`, a missing header
//! `MissingAuthenticationTokenException` — the exceptions DynamoDB uses.
//!
//! The signature is recomputed from the request exactly as the signer built
//! it: canonical request (method, path, empty query, the signed headers
//! lower-cased with trimmed values, the payload hash) → string to sign → key
//! derived from the secret, date, region and service.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The key pair requests must be signed with.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: String,
}

impl Credentials {
    /// Parse `KEY:SECRET`.
    pub fn parse(text: &str) -> Result<Credentials, String> {
        match text.split_once(':') {
            Some((k, s)) if !k.is_empty() && !s.is_empty() => {
                Ok(Credentials { access_key: k.to_string(), secret_key: s.to_string() })
            }
            _ => Err("--require-auth expects KEY:SECRET".to_string()),
        }
    }
}

/// Why a request was refused: the exception name and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub name: &'static str,
    pub message: String,
}

/// The parts of a request the signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    /// All headers, any case.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

struct Authorization<'a> {
    access_key: &'a str,
    scope: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let (access_key, scope) = credential?.split_once('/')?;
    Some(Authorization {
        access_key,
        scope,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Collapse runs of spaces and trim, as the canonical form requires.
fn canonical_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Check `req` against `creds`.
pub fn verify(req: &SignedRequest<'_>, creds: &Credentials) -> Result<(), AuthError> {
    let Some(auth_value) = header(req.headers, "authorization") else {
        return Err(AuthError {
            name: "MissingAuthenticationTokenException",
            message: "Request is missing Authentication Token".into(),
        });
    };
    let invalid_signature = || AuthError {
        name: "InvalidSignatureException",
        message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
    };
    let Some(auth) = parse_authorization(auth_value) else {
        return Err(AuthError {
            name: "IncompleteSignatureException",
            message: format!("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={auth_value}"),
        });
    };
    if auth.access_key != creds.access_key {
        return Err(AuthError {
            name: "UnrecognizedClientException",
            message: "The security token included in the request is invalid.".into(),
        });
    }
    let amz_date = header(req.headers, "x-amz-date").ok_or_else(invalid_signature)?;
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let value = header(req.headers, name).ok_or_else(invalid_signature)?;
        canonical_headers.push_str(&format!("{}:{}\n", name.to_ascii_lowercase(), canonical_value(value)));
    }
    let payload_hash = match header(req.headers, "x-amz-content-sha256") {
        Some(h) if h != "UNSIGNED-PAYLOAD" => h.to_string(),
        _ => sha256_hex(req.body),
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        if req.path.is_empty() { "/" } else { req.path },
        req.query,
        canonical_headers,
        auth.signed_headers.join(";"),
        payload_hash
    );
    let string_to_sign =
        format!("AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}", auth.scope, sha256_hex(canonical_request.as_bytes()));
    let mut scope = auth.scope.split('/');
    let (Some(date), Some(region), Some(service), Some("aws4_request")) =
        (scope.next(), scope.next(), scope.next(), scope.next())
    else {
        return Err(invalid_signature());
    };
    let k_date = hmac(format!("AWS4{}", creds.secret_key).as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let expected = hex::encode(hmac(&k_signing, string_to_sign.as_bytes()));
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(invalid_signature())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::parse("AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").unwrap()
    }

    /// Sign like an SDK would, with the same derivation written out step by
    /// step, so verify() is checked against an independent computation.
    fn sign(body: &[u8], secret: &str) -> Vec<(String, String)> {
        let date = "20261201T120000Z";
        let mut headers = vec![
            ("Content-Type".to_string(), "application/x-amz-json-1.0".to_string()),
            ("Host".to_string(), "127.0.0.1:8000".to_string()),
            ("X-Amz-Date".to_string(), date.to_string()),
            ("X-Amz-Target".to_string(), "DynamoDB_20120810.ListTables".to_string()),
        ];
        let canonical = format!(
            "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:127.0.0.1:8000\nx-amz-date:{date}\nx-amz-target:DynamoDB_20120810.ListTables\n\ncontent-type;host;x-amz-date;x-amz-target\n{}",
            sha256_hex(body)
        );
        let scope = "20261201/us-east-1/dynamodb/aws4_request";
        let sts = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", sha256_hex(canonical.as_bytes()));
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), b"20261201");
        for part in ["us-east-1", "dynamodb", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let sig = hex::encode(hmac(&key, sts.as_bytes()));
        headers.push((
            "Authorization".to_string(),
            format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={sig}"),
        ));
        headers
    }

    fn request<'a>(headers: &'a [(String, String)], body: &'a [u8]) -> SignedRequest<'a> {
        SignedRequest { method: "POST", path: "/", query: "", headers, body }
    }

    #[test]
    fn accepts_a_correct_signature() {
        let body = b"{}";
        let headers = sign(body, &creds().secret_key);
        assert_eq!(verify(&request(&headers, body), &creds()), Ok(()));
    }

    #[test]
    fn rejects_a_wrong_secret_or_a_changed_body() {
        let headers = sign(b"{}", "not-the-secret");
        assert_eq!(verify(&request(&headers, b"{}"), &creds()).unwrap_err().name, "InvalidSignatureException");
        let headers = sign(b"{}", &creds().secret_key);
        assert_eq!(
            verify(&request(&headers, b"{\"Limit\":1}"), &creds()).unwrap_err().name,
            "InvalidSignatureException"
        );
    }

    #[test]
    fn rejects_an_unknown_key_and_a_missing_header() {
        let other = Credentials::parse("OTHER:secret").unwrap();
        let headers = sign(b"{}", "secret");
        assert_eq!(verify(&request(&headers, b"{}"), &other).unwrap_err().name, "UnrecognizedClientException");
        assert_eq!(
            verify(&request(&[], b"{}"), &creds()).unwrap_err().name,
            "MissingAuthenticationTokenException"
        );
    }

    #[test]
    fn parses_key_pairs() {
        assert!(Credentials::parse("nocolon").is_err());
        assert!(Credentials::parse(":x").is_err());
        assert_eq!(Credentials::parse("a:b:c").unwrap().secret_key, "b:c");
    }
}
