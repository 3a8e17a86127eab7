//! `mcp-fa check`: the headless end-to-end self-test of a running stack.

#[derive(Debug, thiserror::Error)]
pub enum SelfTestError {
    #[error("the self-test is not built yet")]
    NotBuilt,
}

impl SelfTestError {
    pub fn code(&self) -> &'static str {
        match self {
            SelfTestError::NotBuilt => "SELF_TEST_NOT_BUILT",
        }
    }
}

/// `mcp-fa check`.
pub async fn check_command(_args: &crate::cli::CheckArgs) -> Result<(), SelfTestError> {
    Err(SelfTestError::NotBuilt)
}
