//! What can stop the walkthrough, with the code scripts see.

#[derive(Debug, thiserror::Error)]
pub enum TutorialError {
    #[error("the walkthrough is not built yet")]
    NotBuilt,
}

impl TutorialError {
    pub fn code(&self) -> &'static str {
        match self {
            TutorialError::NotBuilt => "TUTORIAL_NOT_BUILT",
        }
    }
}
