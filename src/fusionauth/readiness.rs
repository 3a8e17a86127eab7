//! [`Readiness`]: what `GET /api/status` means, for the loops that wait for FusionAuth to start.

use std::fmt;

/// What `GET /api/status` says about whether FusionAuth's API can be used.
///
/// The status code alone is not enough: during startup and in maintenance mode (the setup wizard
/// that appears when the database is not yet configured) FusionAuth answers 200, or a 302, with an
/// HTML page. Only a 200 with a JSON body means the API is serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// 200 with `Content-Type: application/json`.
    Ready,
    /// 452: FusionAuth runs but has no JDBC connection to its database.
    DatabaseUnreachable,
    /// 453 or 454: the database connection pool is unhealthy.
    DatabaseUnhealthy { status: u16 },
    /// 460: the search engine is unhealthy (only with `SEARCH_TYPE=elasticsearch`).
    SearchUnhealthy,
    /// 503: the web server is up but the application has not finished starting.
    Starting,
    /// A 2xx or 3xx answer that is not JSON: maintenance mode, or a page served while starting.
    MaintenanceMode {
        status: u16,
        content_type: Option<String>,
    },
    /// Anything else, such as 500 (FusionAuth is broken) or a proxy's error page.
    Unhealthy {
        status: u16,
        content_type: Option<String>,
    },
}

impl Readiness {
    pub(super) fn from_status(status: u16, content_type: Option<&str>) -> Self {
        let owned_content_type = || content_type.map(str::to_owned);
        match status {
            200 if content_type.is_some_and(is_json) => Self::Ready,
            452 => Self::DatabaseUnreachable,
            453 | 454 => Self::DatabaseUnhealthy { status },
            460 => Self::SearchUnhealthy,
            503 => Self::Starting,
            200..=399 => Self::MaintenanceMode {
                status,
                content_type: owned_content_type(),
            },
            _ => Self::Unhealthy {
                status,
                content_type: owned_content_type(),
            },
        }
    }

    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }
}

impl fmt::Display for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content_type = |content_type: &Option<String>| {
            content_type
                .as_deref()
                .map(|value| format!(", {value}"))
                .unwrap_or_default()
        };
        match self {
            Self::Ready => f.write_str("ready"),
            Self::DatabaseUnreachable => f.write_str("cannot reach its database (status 452)"),
            Self::DatabaseUnhealthy { status } => {
                write!(
                    f,
                    "its database connection pool is unhealthy (status {status})"
                )
            }
            Self::SearchUnhealthy => f.write_str("its search engine is unhealthy (status 460)"),
            Self::Starting => f.write_str("still starting (status 503)"),
            Self::MaintenanceMode {
                status,
                content_type: kind,
            } => write!(
                f,
                "in maintenance mode or still starting (status {status}{})",
                content_type(kind)
            ),
            Self::Unhealthy {
                status,
                content_type: kind,
            } => write!(f, "unhealthy (status {status}{})", content_type(kind)),
        }
    }
}

/// `application/json`, with or without parameters such as `charset`.
fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_with_200_is_ready() {
        assert!(Readiness::from_status(200, Some("application/json;charset=UTF-8")).is_ready());
        assert!(Readiness::from_status(200, Some("Application/JSON")).is_ready());
        assert_eq!(
            Readiness::from_status(200, Some("text/html;charset=UTF-8")),
            Readiness::MaintenanceMode {
                status: 200,
                content_type: Some("text/html;charset=UTF-8".into())
            }
        );
        assert!(!Readiness::from_status(200, None).is_ready());
        assert!(matches!(
            Readiness::from_status(302, None),
            Readiness::MaintenanceMode { status: 302, .. }
        ));
    }

    #[test]
    fn fusionauth_health_codes_are_named() {
        let json = Some("application/json");
        assert_eq!(
            Readiness::from_status(452, json),
            Readiness::DatabaseUnreachable
        );
        assert_eq!(
            Readiness::from_status(454, json),
            Readiness::DatabaseUnhealthy { status: 454 }
        );
        assert_eq!(
            Readiness::from_status(460, json),
            Readiness::SearchUnhealthy
        );
        assert_eq!(Readiness::from_status(503, None), Readiness::Starting);
        assert!(matches!(
            Readiness::from_status(500, None),
            Readiness::Unhealthy { status: 500, .. }
        ));
        assert_eq!(
            Readiness::from_status(452, json).to_string(),
            "cannot reach its database (status 452)"
        );
    }
}
