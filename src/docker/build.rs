//! Building an image from a context archive the caller made (`mcp-fa export` makes one from its
//! own executable), and reading an image's labels. Builds run on the daemon's classic builder
//! with `FROM scratch`, which needs no registry: nothing is pulled.

use std::collections::HashMap;

use bollard::query_parameters::{BuildImageOptions, BuilderVersion};
use futures_util::StreamExt;

use super::client::Docker;
use super::error::DockerError;

impl Docker {
    /// The labels of a local image, or `None` when there is no such image.
    pub async fn image_labels(
        &self,
        image: &str,
    ) -> Result<Option<HashMap<String, String>>, DockerError> {
        match self.inner.inspect_image(image).await {
            Ok(found) => Ok(Some(
                found
                    .config
                    .and_then(|config| config.labels)
                    .unwrap_or_default(),
            )),
            Err(error) => {
                let error = DockerError::api(format!("inspect image {image}"), error);
                if error.is_not_found() {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    /// Builds `context` (a tar archive with a `Dockerfile` at its root) as `tag`, with
    /// `labels` added. The build's first error ends it, with the builder's own words.
    pub async fn build_image(
        &self,
        context: Vec<u8>,
        tag: &str,
        labels: HashMap<String, String>,
    ) -> Result<(), DockerError> {
        let failed = |message: String| DockerError::Api {
            action: format!("build image {tag}"),
            status: None,
            message,
        };
        let options = BuildImageOptions {
            dockerfile: "Dockerfile".to_owned(),
            t: Some(tag.to_owned()),
            rm: true,
            forcerm: true,
            labels: Some(labels),
            version: BuilderVersion::BuilderV1,
            ..Default::default()
        };
        let body = bollard::body_full(context.into());
        let mut stream = Box::pin(self.inner.build_image(options, None, Some(body)));
        while let Some(item) = stream.next().await {
            let info = item.map_err(|error| match error {
                bollard::errors::Error::DockerResponseServerError { message, .. } => {
                    failed(message)
                }
                other => failed(other.to_string()),
            })?;
            if let Some(detail) = info.error_detail.and_then(|detail| detail.message) {
                return Err(failed(detail));
            }
        }
        Ok(())
    }
}
