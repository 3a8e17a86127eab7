//! [`FusionAuthClient`]: one typed method per FusionAuth API call mcp-fa makes, over one
//! connection pool, with the API key (or a user's token) attached and FusionAuth's answers
//! decoded or turned into [`FusionAuthError`]s.
//!
//! It never follows a redirect (FusionAuth's API has none; one means a proxy or maintenance
//! page), retries only 401s while a new API key may still be activating, and never puts the key,
//! a token or a query string (which can carry e-mail addresses) into an error or `Debug` output.
//!
//! With a tenant ([`FusionAuthClient::with_tenant_id`]) every API-key call is scoped to it by
//! FusionAuth's `X-FusionAuth-TenantId` header, except the calls to FusionAuth's global
//! endpoints (the license, login records, the key master): FusionAuth refuses those with an empty
//! 401 as soon as a request names a tenant (fusionauth-issues #3452), so they go without it.
//! Discovery is the tenant's own document. The calls only a remote setup's preflight and the
//! self-test make live in `admin.rs`.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{Credential, FusionAuthError, TransportKind, error_for_status, scrub};
use super::models::envelope::{
    ApplicationOAuthScopeRequest, ApplicationOAuthScopeResponse, ApplicationRequest,
    ApplicationResponse, ApplicationsResponse, KeyResponse, ReactorResponse, RegistrationRequest,
    RegistrationResponse, TenantResponse, TenantsResponse, UserResponse, ValidateResponse,
};
use super::models::{
    Application, ApplicationOAuthScope, Jwks, JwtClaims, Key, LoginRecordSearchCriteria,
    LoginRecordSearchResponse, OpenIdConfiguration, ReactorStatus, Tenant, User, UserInfo,
    UserRegistration,
};
use super::readiness::Readiness;
use super::secret::Secret;

type Result<T> = std::result::Result<T, FusionAuthError>;

const USER_AGENT: &str = concat!("mcp-fa/", env!("CARGO_PKG_VERSION"));
pub(super) const JSON: &str = "application/json";
/// Scopes an API-key request to one tenant; required as soon as an instance has several and the
/// key is not itself limited to one.
const TENANT_HEADER: &str = "X-FusionAuth-TenantId";

const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(2);

/// How long to wait for FusionAuth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To establish the TCP connection. Short: a local FusionAuth either listens or does not.
    pub connect: Duration,
    /// For the whole exchange, connection included. Generous: hard deletes and key generation can
    /// take seconds on a busy instance.
    pub request: Duration,
}

impl Timeouts {
    /// For a quick look (`status`, `doctor`): a FusionAuth that does not answer at once is
    /// reported as such rather than waited for.
    pub const PROBE: Timeouts = Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(5),
    };
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        }
    }
}

/// A typed client for the parts of FusionAuth's HTTP API that mcp-fa uses.
///
/// Cheap to clone: clones share one connection pool and one new-key grace period.
#[derive(Clone)]
pub struct FusionAuthClient {
    http: reqwest::Client,
    base_url: Url,
    api_key: Option<Secret>,
    tenant_id: Option<String>,
    new_key_grace: Option<Arc<NewKeyGrace>>,
}

impl fmt::Debug for FusionAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FusionAuthClient")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("tenant_id", &self.tenant_id)
            .field(
                "new_key_grace",
                &self.new_key_grace.as_ref().map(|grace| grace.window),
            )
            .finish_non_exhaustive()
    }
}

impl FusionAuthClient {
    /// A client for the FusionAuth at `base_url` (e.g. `http://localhost:9011`, or a URL with a
    /// path prefix when FusionAuth sits behind a proxy). Without an API key only the anonymous and
    /// bearer-token endpoints work.
    pub fn new(base_url: Url, timeouts: Timeouts) -> Result<Self> {
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(FusionAuthError::InvalidBaseUrl {
                url: base_url.into(),
                reason: "it must start with http:// or https://",
            });
        }
        let mut base_url = base_url;
        base_url.set_query(None);
        base_url.set_fragment(None);

        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            // FusionAuth's API never redirects on purpose; a redirect means maintenance mode or
            // a proxy login page, and must be reported, not followed with our credentials.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(FusionAuthError::Client)?;

        Ok(Self {
            http,
            base_url,
            api_key: None,
            tenant_id: None,
            new_key_grace: None,
        })
    }

    /// The same client authenticating with `api_key` (sent raw in `Authorization`, FusionAuth's
    /// scheme, not as a bearer token). A new key starts a new grace period.
    pub fn with_api_key(mut self, api_key: impl Into<Secret>) -> Self {
        self.api_key = Some(api_key.into());
        self.new_key_grace = self
            .new_key_grace
            .map(|grace| Arc::new(NewKeyGrace::new(grace.window)));
        self
    }

    /// Scopes the client to one tenant (`None`: FusionAuth's default, or the one the API key is
    /// limited to): API-key calls carry the tenant header, except the global ones (see the
    /// module's notes), and discovery reads the tenant's own document.
    pub fn with_tenant_id(mut self, tenant_id: Option<String>) -> Self {
        self.tenant_id = tenant_id;
        self
    }

    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    /// Retries 401s on API-key requests for up to `grace` after the first request.
    ///
    /// FusionAuth answers 401 for a freshly created API key (kickstart's included) for a short
    /// while, usually under a second, at worst about a minute. During the grace a 401 is retried
    /// with exponential backoff (100 ms doubling to 2 s); after it, or once any request with the
    /// key has been accepted, a 401 is final. Retrying is safe for every method: a 401 means
    /// FusionAuth did nothing.
    pub fn with_new_key_grace(mut self, grace: Duration) -> Self {
        self.new_key_grace = Some(Arc::new(NewKeyGrace::new(grace)));
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// `GET /api/status`, interpreted (see [`Readiness`]). Transport errors are returned as
    /// errors: "not listening yet" is for the caller's wait loop to judge.
    pub async fn status(&self) -> Result<Readiness> {
        let call = Call::new(Method::GET, self.url(&["api", "status"]), Auth::Anonymous);
        let response = self.send_once(&call).await?;
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        Ok(Readiness::from_status(
            response.status().as_u16(),
            content_type,
        ))
    }

    pub async fn get_tenant(&self, tenant_id: &str) -> Result<Tenant> {
        let call = self.api(Method::GET, &["api", "tenant", tenant_id]);
        Ok(self.read::<TenantResponse>(&call).await?.tenant)
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let call = self.api(Method::GET, &["api", "tenant"]);
        Ok(self.read::<TenantsResponse>(&call).await?.tenants)
    }

    /// The key master is global: asked without the tenant header (a tenant-limited key cannot
    /// read it at all).
    pub async fn get_key(&self, key_id: &str) -> Result<Key> {
        let call = self.global_api(Method::GET, &["api", "key", key_id]);
        Ok(self.read::<KeyResponse>(&call).await?.key)
    }

    /// `POST /api/application[/{id}]`. The answer carries the generated client secret (API-key
    /// calls are the only way to read it).
    pub async fn create_application(
        &self,
        application_id: Option<&str>,
        application: &Application,
    ) -> Result<Application> {
        let call = self
            .api(
                Method::POST,
                &with_id(&["api", "application"], application_id),
            )
            .json(&ApplicationRequest { application })?;
        Ok(self.read::<ApplicationResponse>(&call).await?.application)
    }

    /// Finds soft-deleted (inactive) applications too.
    pub async fn get_application(&self, application_id: &str) -> Result<Application> {
        let call = self.api(Method::GET, &["api", "application", application_id]);
        Ok(self.read::<ApplicationResponse>(&call).await?.application)
    }

    /// FusionAuth lists active and inactive applications separately (`?inactive=true` returns
    /// only the inactive ones), so including them costs a second request.
    pub async fn list_applications(&self, include_inactive: bool) -> Result<Vec<Application>> {
        let active = self.api(Method::GET, &["api", "application"]);
        let mut applications = self
            .read::<ApplicationsResponse>(&active)
            .await?
            .applications;
        if include_inactive {
            let mut inactive = self.api(Method::GET, &["api", "application"]);
            inactive
                .url
                .query_pairs_mut()
                .append_pair("inactive", "true");
            applications.extend(
                self.read::<ApplicationsResponse>(&inactive)
                    .await?
                    .applications,
            );
        }
        Ok(applications)
    }

    /// `hard = false` deactivates the application (it can be reactivated and keeps its
    /// registrations); `hard = true` deletes it and everything attached to it, permanently.
    pub async fn delete_application(&self, application_id: &str, hard: bool) -> Result<()> {
        let mut call = self.api(Method::DELETE, &["api", "application", application_id]);
        if hard {
            call.url.query_pairs_mut().append_pair("hardDelete", "true");
        }
        self.run(&call).await
    }

    /// `POST /api/application/{appId}/scope[/{scopeId}]`. Needs a paid plan: without one the error
    /// is a validation error with a `[notLicensed…]` code; ask [`Self::reactor_status`] first.
    pub async fn create_scope(
        &self,
        application_id: &str,
        scope_id: Option<&str>,
        scope: &ApplicationOAuthScope,
    ) -> Result<ApplicationOAuthScope> {
        let path = with_id(&["api", "application", application_id, "scope"], scope_id);
        let call = self
            .api(Method::POST, &path)
            .json(&ApplicationOAuthScopeRequest { scope })?;
        Ok(self
            .read::<ApplicationOAuthScopeResponse>(&call)
            .await?
            .scope)
    }

    pub async fn get_user(&self, user_id: &str) -> Result<User> {
        let call = self.api(Method::GET, &["api", "user", user_id]);
        Ok(self.read::<UserResponse>(&call).await?.user)
    }

    /// Registers an existing user to `registration.applicationId`. Registering twice is a
    /// `[duplicate]` validation error.
    pub async fn register_user(
        &self,
        user_id: &str,
        registration: &UserRegistration,
    ) -> Result<UserRegistration> {
        let body = RegistrationRequest { registration };
        let call = self
            .api(Method::POST, &["api", "user", "registration", user_id])
            .json(&body)?;
        Ok(self.read::<RegistrationResponse>(&call).await?.registration)
    }

    /// `GET /api/reactor`: what the license allows. A global endpoint: asked without the tenant
    /// header, and a tenant-limited key gets 401.
    pub async fn reactor_status(&self) -> Result<ReactorStatus> {
        let call = self.global_api(Method::GET, &["api", "reactor"]);
        Ok(self.read::<ReactorResponse>(&call).await?.status)
    }

    /// `GET /api/jwt/validate` with the token as bearer (no API key). FusionAuth checks signature
    /// and expiry only, not the audience. A rejected token is [`FusionAuthError::InvalidToken`].
    pub async fn validate_jwt(&self, jwt: &str) -> Result<JwtClaims> {
        let call = Call::new(
            Method::GET,
            self.url(&["api", "jwt", "validate"]),
            Auth::Bearer(jwt),
        );
        Ok(self.read::<ValidateResponse>(&call).await?.jwt)
    }

    /// The discovery document: the tenant's own (`/.well-known/openid-configuration/{tenantId}`)
    /// when the client has a tenant, so its issuer is that tenant's.
    pub async fn openid_configuration(&self) -> Result<OpenIdConfiguration> {
        let segments: Vec<&str> = [".well-known", "openid-configuration"]
            .into_iter()
            .chain(self.tenant_id.as_deref())
            .collect();
        let call = Call::new(Method::GET, self.url(&segments), Auth::Anonymous);
        self.read(&call).await
    }

    pub async fn jwks(&self) -> Result<Jwks> {
        let call = Call::new(
            Method::GET,
            self.url(&[".well-known", "jwks.json"]),
            Auth::Anonymous,
        );
        self.read(&call).await
    }

    /// `GET /oauth2/userinfo`. With `scopeHandlingPolicy: Strict` the token must carry `openid`,
    /// and its (first) audience must be an active application.
    pub async fn userinfo(&self, access_token: &str) -> Result<UserInfo> {
        let call = Call::new(
            Method::GET,
            self.url(&["oauth2", "userinfo"]),
            Auth::Bearer(access_token),
        );
        self.read(&call).await
    }

    /// `GET /api/system/login-record/search` (needs a global API key, and no tenant header).
    /// Asks for the total too, so the caller can tell whether more pages exist.
    pub async fn search_login_records(
        &self,
        criteria: &LoginRecordSearchCriteria,
    ) -> Result<LoginRecordSearchResponse> {
        let mut call = self.global_api(Method::GET, &["api", "system", "login-record", "search"]);
        {
            let mut query = call.url.query_pairs_mut();
            let mut optional = |name: &str, value: Option<String>| {
                if let Some(value) = value {
                    query.append_pair(name, &value);
                }
            };
            optional("applicationId", criteria.application_id.clone());
            optional("userId", criteria.user_id.clone());
            optional("start", criteria.start.map(|millis| millis.to_string()));
            optional("end", criteria.end.map(|millis| millis.to_string()));
            optional(
                "numberOfResults",
                criteria.number_of_results.map(|n| n.to_string()),
            );
            optional("startRow", criteria.start_row.map(|n| n.to_string()));
            query.append_pair("retrieveTotal", "true");
        }
        self.read(&call).await
    }

    pub(super) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base_url.clone();
        // Each segment is percent-encoded on its own, so an id can never change the path.
        url.path_segments_mut()
            .expect("FusionAuthClient::new accepts only http(s) URLs, which have a path")
            .pop_if_empty()
            .extend(segments);
        url
    }

    pub(super) fn api(&self, method: Method, segments: &[&str]) -> Call<'static> {
        Call::new(method, self.url(segments), Auth::ApiKey)
    }

    /// A call to one of FusionAuth's global endpoints, which refuse any request naming a tenant.
    pub(super) fn global_api(&self, method: Method, segments: &[&str]) -> Call<'static> {
        Call::new(method, self.url(segments), Auth::GlobalApiKey)
    }

    /// Sends `call` and decodes a 2xx JSON answer.
    pub(super) async fn read<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T> {
        let response = self.send(call).await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|source| call.transport_error(source))?;
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|source| call.decode_error(source))
        } else {
            Err(self.error_for(call, status, &body))
        }
    }

    /// Sends `call`, for endpoints whose 2xx answer has no body worth reading.
    pub(super) async fn run(&self, call: &Call<'_>) -> Result<()> {
        let response = self.send(call).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response
            .bytes()
            .await
            .map_err(|source| call.transport_error(source))?;
        Err(self.error_for(call, status, &body))
    }

    /// Sends `call`, retrying 401s while a new API key may still be activating.
    pub(super) async fn send(&self, call: &Call<'_>) -> Result<reqwest::Response> {
        let grace = match call.auth {
            Auth::ApiKey | Auth::GlobalApiKey => self.new_key_grace.as_deref(),
            Auth::Bearer(_) | Auth::Anonymous => None,
        };
        let Some(grace) = grace else {
            return self.send_once(call).await;
        };
        grace.start();
        let mut delay = FIRST_RETRY_DELAY;
        loop {
            let response = self.send_once(call).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                grace.key_accepted();
                return Ok(response);
            }
            let remaining = grace.remaining();
            if remaining.is_zero() {
                return Ok(response);
            }
            let wait = delay.min(remaining);
            tracing::debug!(
                endpoint = %call.endpoint(),
                retry_in = ?wait,
                "FusionAuth answered 401 to an API key that may still be activating; retrying"
            );
            tokio::time::sleep(wait).await;
            delay = (delay * 2).min(MAX_RETRY_DELAY);
        }
    }

    async fn send_once(&self, call: &Call<'_>) -> Result<reqwest::Response> {
        let mut request = self
            .http
            .request(call.method.clone(), call.url.clone())
            .header(ACCEPT, JSON);
        match call.auth {
            Auth::ApiKey | Auth::GlobalApiKey => {
                let key = self
                    .api_key
                    .as_ref()
                    .ok_or_else(|| FusionAuthError::NoApiKey {
                        endpoint: call.endpoint(),
                    })?;
                request = request.header(AUTHORIZATION, sensitive_header(key.expose(), "API key")?);
                if let (Auth::ApiKey, Some(tenant_id)) = (call.auth, &self.tenant_id) {
                    let value = HeaderValue::from_str(tenant_id)
                        .map_err(|_| FusionAuthError::InvalidHeader { what: "tenant id" })?;
                    request = request.header(TENANT_HEADER, value);
                }
            }
            Auth::Bearer(token) => {
                let value = sensitive_header(&format!("Bearer {token}"), "token")?;
                request = request.header(AUTHORIZATION, value);
            }
            Auth::Anonymous => {}
        }
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        }

        let response = request
            .send()
            .await
            .map_err(|source| call.transport_error(source))?;
        tracing::debug!(
            endpoint = %call.endpoint(),
            status = response.status().as_u16(),
            "FusionAuth answered"
        );
        Ok(response)
    }

    pub(super) fn error_for(
        &self,
        call: &Call<'_>,
        status: StatusCode,
        body: &[u8],
    ) -> FusionAuthError {
        let mut sent_secrets: Vec<&str> = Vec::new();
        sent_secrets.extend(self.api_key.as_ref().map(Secret::expose));
        if let Auth::Bearer(token) = call.auth {
            sent_secrets.push(token);
        }
        let body = scrub(&String::from_utf8_lossy(body), &sent_secrets);
        error_for_status(
            &call.endpoint(),
            call.auth.credential(),
            status.as_u16(),
            &body,
        )
    }
}

/// `segments` plus `id` when there is one: FusionAuth's `POST /thing[/{id}]` create pattern.
fn with_id<'a>(segments: &[&'a str], id: Option<&'a str>) -> Vec<&'a str> {
    segments.iter().copied().chain(id).collect()
}

/// An `Authorization` value marked sensitive, so `http`'s own `Debug` output hides it too.
fn sensitive_header(value: &str, what: &'static str) -> Result<HeaderValue> {
    let mut header =
        HeaderValue::from_str(value).map_err(|_| FusionAuthError::InvalidHeader { what })?;
    header.set_sensitive(true);
    Ok(header)
}

/// How a request proves who it is.
#[derive(Clone, Copy)]
pub(super) enum Auth<'a> {
    /// The client's API key, plus its tenant header.
    ApiKey,
    /// The client's API key alone, for FusionAuth's global endpoints.
    GlobalApiKey,
    /// A user's token, for the endpoints that check a token instead of an API key.
    Bearer(&'a str),
    Anonymous,
}

impl Auth<'_> {
    fn credential(self) -> Credential {
        match self {
            Self::ApiKey | Self::GlobalApiKey => Credential::ApiKey,
            Self::Bearer(_) => Credential::BearerToken,
            Self::Anonymous => Credential::None,
        }
    }
}

pub(super) struct Body {
    pub(super) content_type: &'static str,
    pub(super) bytes: Vec<u8>,
}

/// One request, kept whole so it can be sent again after a 401.
pub(super) struct Call<'a> {
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) auth: Auth<'a>,
    pub(super) body: Option<Body>,
}

impl<'a> Call<'a> {
    pub(super) fn new(method: Method, url: Url, auth: Auth<'a>) -> Self {
        Self {
            method,
            url,
            auth,
            body: None,
        }
    }

    pub(super) fn json(self, body: &impl Serialize) -> Result<Self> {
        self.with_body(JSON, body)
    }

    pub(super) fn with_body(
        mut self,
        content_type: &'static str,
        body: &impl Serialize,
    ) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|source| FusionAuthError::Encode {
            endpoint: self.endpoint(),
            source,
        })?;
        self.body = Some(Body {
            content_type,
            bytes,
        });
        Ok(self)
    }

    /// `METHOD url` without the query string, which may carry an e-mail address.
    pub(super) fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.url_without_query())
    }

    fn url_without_query(&self) -> Url {
        let mut url = self.url.clone();
        url.set_query(None);
        url
    }

    pub(super) fn transport_error(&self, source: reqwest::Error) -> FusionAuthError {
        let kind = if source.is_timeout() {
            TransportKind::Timeout
        } else if source.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Other
        };
        FusionAuthError::Transport {
            url: self.url_without_query().into(),
            kind,
            // We name the URL ourselves, without its query string.
            source: source.without_url(),
        }
    }

    fn decode_error(&self, source: serde_json::Error) -> FusionAuthError {
        FusionAuthError::Decode {
            endpoint: self.endpoint(),
            source,
        }
    }
}

/// The window in which a 401 may just mean "this API key is not active yet".
struct NewKeyGrace {
    window: Duration,
    first_use: OnceLock<Instant>,
    /// Once FusionAuth has accepted the key, a 401 means what it says.
    accepted: AtomicBool,
}

impl NewKeyGrace {
    fn new(window: Duration) -> Self {
        Self {
            window,
            first_use: OnceLock::new(),
            accepted: AtomicBool::new(false),
        }
    }

    fn start(&self) {
        self.first_use.get_or_init(Instant::now);
    }

    fn key_accepted(&self) {
        self.accepted.store(true, Ordering::Relaxed);
    }

    fn remaining(&self) -> Duration {
        if self.accepted.load(Ordering::Relaxed) {
            return Duration::ZERO;
        }
        let elapsed = self
            .first_use
            .get()
            .map_or(Duration::ZERO, Instant::elapsed);
        self.window.saturating_sub(elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> FusionAuthClient {
        let base = Url::parse("http://localhost:9011").expect("valid URL");
        FusionAuthClient::new(base, Timeouts::default()).expect("client builds")
    }

    #[test]
    fn debug_output_hides_the_api_key() {
        let client = client()
            .with_api_key("super-secret-api-key-0123456789")
            .with_tenant_id(Some("tenant-1".into()));
        let shown = format!("{client:?}");
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        let url = client().url(&["api", "application", "../tenant/x?y"]);
        assert_eq!(
            url.as_str(),
            "http://localhost:9011/api/application/..%2Ftenant%2Fx%3Fy"
        );
    }

    #[test]
    fn a_path_prefix_in_the_base_url_is_kept() {
        let base = Url::parse("https://example.com/auth/?stray=1#frag").expect("valid URL");
        let client = FusionAuthClient::new(base, Timeouts::default()).expect("client builds");
        assert_eq!(
            client.url(&["api", "status"]).as_str(),
            "https://example.com/auth/api/status"
        );
    }

    #[test]
    fn only_http_base_urls_are_accepted() {
        let base = Url::parse("ftp://localhost:9011").expect("valid URL");
        assert!(matches!(
            FusionAuthClient::new(base, Timeouts::default()),
            Err(FusionAuthError::InvalidBaseUrl { .. })
        ));
    }

    #[test]
    fn endpoints_never_show_the_query_string() {
        let client = client();
        let mut call = client.api(Method::GET, &["api", "user"]);
        call.url
            .query_pairs_mut()
            .append_pair("email", "test@example.com");
        assert_eq!(call.endpoint(), "GET http://localhost:9011/api/user");
    }

    #[test]
    fn optional_ids_extend_the_create_path() {
        assert_eq!(
            with_id(&["api", "key", "generate"], None),
            ["api", "key", "generate"]
        );
        assert_eq!(
            with_id(&["api", "key", "generate"], Some("k1")),
            ["api", "key", "generate", "k1"]
        );
    }

    #[test]
    fn echoed_credentials_are_scrubbed_from_errors() {
        let client = client().with_api_key("api-key-that-must-not-leak");
        let call = Call::new(
            Method::GET,
            client.url(&["oauth2", "userinfo"]),
            Auth::Bearer("token-that-must-not-leak"),
        );
        let error = client.error_for(
            &call,
            StatusCode::INTERNAL_SERVER_ERROR,
            b"saw api-key-that-must-not-leak and token-that-must-not-leak",
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("must-not-leak"), "{shown}");
    }

    #[test]
    fn grace_ends_once_the_key_is_accepted() {
        let grace = NewKeyGrace::new(Duration::from_secs(60));
        grace.start();
        assert!(grace.remaining() > Duration::from_secs(59));
        grace.key_accepted();
        assert_eq!(grace.remaining(), Duration::ZERO);
    }

    #[test]
    fn a_new_api_key_gets_a_fresh_grace() {
        let client = client().with_new_key_grace(Duration::from_secs(60));
        let first = client.new_key_grace.clone().expect("grace configured");
        first.key_accepted();
        let rekeyed = client.with_api_key("another-key");
        let second = rekeyed.new_key_grace.expect("grace kept");
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(second.window, Duration::from_secs(60));
    }
}
