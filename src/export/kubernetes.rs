//! The Kubernetes export: values for FusionAuth's official Helm chart (chart 1.68's keys:
//! `database.dbUser/rootUser.existingSecret`, `search.engine`, `kickstart.data`, ...), plain
//! manifests for the MCP server (Deployment, Service, HorizontalPodAutoscaler,
//! PodDisruptionBudget, NetworkPolicy) and for a small PostgreSQL to try it with, and a README
//! saying the order of apply. Every secret is a `secretKeyRef` into one Secret the README has
//! the user create from `secrets.env`; no manifest inlines one.

use std::fmt::Write as _;

use super::image::{PORT as MCP_PORT, USER};
use super::secrets::{
    ADMIN_PASSWORD, API_KEY, DATABASE_PASSWORD, DATABASE_ROOT_PASSWORD, DEMO_PASSWORD, ISSUER,
    LICENSE_ID, MCP_PUBLIC_URL,
};
use super::source::ExportedProject;
use crate::project::ScopeChoice;

/// The Secret every manifest and the chart's values read from.
pub const SECRET_NAME: &str = "mcp-fa-secrets";
/// FusionAuth's Service (the chart's `fullnameOverride`), and its pods' `app.kubernetes.io/name`.
pub const FUSIONAUTH_NAME: &str = "fusionauth";
/// The chart version whose documented values these are.
pub const CHART_VERSION: &str = "1.68.0";
/// The MCP server's Deployment, Service and pod label.
pub const MCP_NAME: &str = "mcp-server";
/// PostgreSQL's Service (the chart's `database.host`).
pub const POSTGRES_NAME: &str = "postgresql";

/// Resources from BENCHMARKS.md: 23.4-28.4 MiB peak RSS under 50 connections, 84-94 µs of CPU
/// per whoami request (about 11k req/s on one core), and two replicas behind a TCP balancer
/// splitting the load evenly. Requests are what one replica needs at rest with headroom; the
/// limits leave 4x memory and a whole core.
const MCP_RESOURCES: &str = concat!(
    "          resources:\n",
    "            requests:\n",
    "              cpu: 100m\n",
    "              memory: 32Mi\n",
    "            limits:\n",
    "              cpu: \"1\"\n",
    "              memory: 128Mi\n",
);

/// What the Kubernetes files are made from.
pub struct KubernetesSettings<'a> {
    pub project: &'a ExportedProject,
    pub mcp_image: &'a str,
    /// The URL clients reach FusionAuth at (the tenant's issuer).
    pub issuer: &'a str,
    /// The URL clients reach the MCP server at, without `/mcp`.
    pub public_url: &'a str,
    /// The rendered kickstart (no secrets in it).
    pub kickstart: &'a str,
}

fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

fn secret_env(out: &mut String, indent: &str, name: &str, optional: bool) {
    let _ = write!(
        out,
        "{indent}- name: {name}\n\
         {indent}  valueFrom:\n\
         {indent}    secretKeyRef:\n\
         {indent}      name: {SECRET_NAME}\n\
         {indent}      key: {name}\n"
    );
    if optional {
        let _ = writeln!(out, "{indent}      optional: true");
    }
}

/// The image reference split as the chart wants it: repository and tag.
fn repository_and_tag(image: &str) -> (String, String) {
    let slash = image.rfind('/').map_or(0, |at| at + 1);
    match image[slash..].rfind(':') {
        Some(colon) => (
            image[..slash + colon].to_owned(),
            image[slash + colon + 1..].to_owned(),
        ),
        None => (image.to_owned(), "latest".to_owned()),
    }
}

/// `fusionauth-values.yaml`, for `helm install fusionauth fusionauth/fusionauth -f`.
pub fn helm_values(settings: &KubernetesSettings<'_>) -> String {
    let (repository, tag) = repository_and_tag(&settings.project.fusionauth_image);
    let mut out = format!(
        "# Values for FusionAuth's official Helm chart (fusionauth/fusionauth, written against\n\
         # chart {CHART_VERSION}), exported by `mcp-fa export kubernetes` from the project `{project}`.\n\
         # See README.md for the order of apply. No secret is written here: the chart reads them\n\
         # from the Secret `{SECRET_NAME}`.\n\n\
         # One replica while the kickstart runs (it runs on an empty database, once); scale out\n\
         # afterwards (FusionAuth is stateless besides its database).\n\
         replicaCount: 1\n\
         # The Service (and so the URL the MCP server reaches FusionAuth at inside the cluster)\n\
         # is `{FUSIONAUTH_NAME}` whatever the release is called.\n\
         fullnameOverride: {FUSIONAUTH_NAME}\n\n\
         image:\n\
         \x20 repository: {repository}\n\
         \x20 tag: {tag}\n\n\
         database:\n\
         \x20 protocol: postgresql\n\
         \x20 # postgresql.yaml's Service; a managed PostgreSQL 16 is the production choice\n\
         \x20 # (set its host here, and `tls: true`).\n\
         \x20 host: {POSTGRES_NAME}\n\
         \x20 port: 5432\n\
         \x20 name: fusionauth\n\
         \x20 dbUser:\n\
         \x20   username: fusionauth\n\
         \x20   existingSecret:\n\
         \x20     enabled: true\n\
         \x20     name: {SECRET_NAME}\n\
         \x20     passwordKey: {DATABASE_PASSWORD}\n\
         \x20 # With a root user FusionAuth creates its database, user and schema by itself.\n\
         \x20 rootUser:\n\
         \x20   username: postgres\n\
         \x20   existingSecret:\n\
         \x20     enabled: true\n\
         \x20     name: {SECRET_NAME}\n\
         \x20     passwordKey: {DATABASE_ROOT_PASSWORD}\n\n\
         # The search engine: `database` needs nothing more (as `mcp-fa up` runs FusionAuth) and\n\
         # suits up to tens of thousands of users; the chart's default, `elasticsearch`, needs\n\
         # an OpenSearch/Elasticsearch cluster (search.host) and scales further.\n\
         search:\n\
         \x20 engine: database\n\n\
         app:\n\
         \x20 # The JVM heap; the container's memory limit below leaves room above it.\n\
         \x20 memory: 512M\n\
         \x20 # `development` lets schema creation and upgrades run by themselves; FusionAuth\n\
         \x20 # recommends `production` once the database exists.\n\
         \x20 runtimeMode: development\n\
         \x20 # Unattended start: create the schema and run the kickstart without the setup wizard.\n\
         \x20 silentMode: true\n\n\
         resources:\n\
         \x20 requests:\n\
         \x20   cpu: 250m\n\
         \x20   memory: 768Mi\n\
         \x20 limits:\n\
         \x20   memory: 1Gi\n\n\
         # Read by the kickstart as #{{ENV.NAME}}; the values come from the Secret.\n\
         environment:\n",
        project = settings.project.project,
    );
    for name in [API_KEY, ADMIN_PASSWORD, DEMO_PASSWORD] {
        secret_env(&mut out, "  ", name, false);
    }
    if settings.project.license_id.is_some() {
        secret_env(&mut out, "  ", LICENSE_ID, false);
    }
    let _ = write!(
        out,
        "  # The URL browsers and MCP clients reach FusionAuth at: the tenant's issuer. Set it\n\
         \x20 # (and MCP_PUBLIC_URL) to your https:// URLs before the first install.\n\
         \x20 - name: {ISSUER}\n\
         \x20   value: {issuer}\n\
         \x20 - name: {MCP_PUBLIC_URL}\n\
         \x20   value: {public}\n\n\
         kickstart:\n\
         \x20 enabled: true\n\
         \x20 file: /kickstart/kickstart.json\n\
         \x20 # Rendered into a ConfigMap: it holds #{{ENV.NAME}} references, never a secret.\n\
         \x20 data:\n\
         \x20   kickstart.json: |\n",
        issuer = quoted(settings.issuer),
        public = quoted(settings.public_url),
    );
    for line in settings.kickstart.lines() {
        let _ = writeln!(out, "      {line}");
    }
    out
}

/// `mcp-server.yaml`: the MCP server's ConfigMap, Deployment, Service, HorizontalPodAutoscaler,
/// PodDisruptionBudget and NetworkPolicy.
pub fn mcp_manifests(settings: &KubernetesSettings<'_>) -> String {
    let scopes = match settings.project.scopes {
        ScopeChoice::Standard => "standard",
        ScopeChoice::Custom => "custom",
    };
    let (uid, _) = USER.split_once(':').expect("uid:gid");
    let mut out = String::new();
    let _ = write!(
        out,
        "# The protected MCP server, exported by `mcp-fa export kubernetes`. It keeps no state\n\
         # (stateless MCP 2026-07-28, tokens verified locally with FusionAuth's published keys),\n\
         # so it scales out behind the Service with no session affinity.\n\
         apiVersion: v1\n\
         kind: ConfigMap\n\
         metadata:\n\
         \x20 name: {MCP_NAME}\n\
         data:\n\
         \x20 # Tokens must carry this issuer (the tenant's issuer: the URL clients reach\n\
         \x20 # FusionAuth at), and be issued for <MCP_FA_PUBLIC_URL>/mcp.\n\
         \x20 MCP_FA_ISSUER: {issuer}\n\
         \x20 MCP_FA_PUBLIC_URL: {public}\n\
         \x20 # FusionAuth's API inside the cluster (discovery, keys, userinfo).\n\
         \x20 MCP_FA_FUSIONAUTH_URL: http://{FUSIONAUTH_NAME}:9011\n\
         \x20 MCP_FA_SCOPES: {scopes}\n\
         \x20 MCP_FA_BIND: 0.0.0.0:{MCP_PORT}\n\
         \x20 MCP_FA_LOG_FORMAT: json\n\
         \x20 MCP_FA_WAIT_FOR_ISSUER: \"300\"\n\
         ---\n\
         apiVersion: apps/v1\n\
         kind: Deployment\n\
         metadata:\n\
         \x20 name: {MCP_NAME}\n\
         \x20 labels:\n\
         \x20   app.kubernetes.io/name: {MCP_NAME}\n\
         spec:\n\
         \x20 replicas: 2\n\
         \x20 selector:\n\
         \x20   matchLabels:\n\
         \x20     app.kubernetes.io/name: {MCP_NAME}\n\
         \x20 template:\n\
         \x20   metadata:\n\
         \x20     labels:\n\
         \x20       app.kubernetes.io/name: {MCP_NAME}\n\
         \x20   spec:\n\
         \x20     automountServiceAccountToken: false\n\
         \x20     securityContext:\n\
         \x20       runAsNonRoot: true\n\
         \x20       runAsUser: {uid}\n\
         \x20       runAsGroup: {uid}\n\
         \x20       seccompProfile:\n\
         \x20         type: RuntimeDefault\n\
         \x20     # Spread replicas over nodes, so one node going away leaves one serving.\n\
         \x20     topologySpreadConstraints:\n\
         \x20       - maxSkew: 1\n\
         \x20         topologyKey: kubernetes.io/hostname\n\
         \x20         whenUnsatisfiable: ScheduleAnyway\n\
         \x20         labelSelector:\n\
         \x20           matchLabels:\n\
         \x20             app.kubernetes.io/name: {MCP_NAME}\n\
         \x20     containers:\n\
         \x20       - name: {MCP_NAME}\n\
         \x20         # Built from the repository's Dockerfile and pushed to your registry.\n\
         \x20         image: {image}\n\
         \x20         envFrom:\n\
         \x20           - configMapRef:\n\
         \x20               name: {MCP_NAME}\n\
         \x20         ports:\n\
         \x20           - name: http\n\
         \x20             containerPort: {MCP_PORT}\n\
         \x20             protocol: TCP\n\
         \x20         # /healthz needs no token and no Host header of ours. The server listens only\n\
         \x20         # once FusionAuth's keys are loaded (startup covers MCP_FA_WAIT_FOR_ISSUER).\n\
         \x20         startupProbe:\n\
         \x20           httpGet:\n\
         \x20             path: /healthz\n\
         \x20             port: http\n\
         \x20           periodSeconds: 5\n\
         \x20           failureThreshold: 62\n\
         \x20         readinessProbe:\n\
         \x20           httpGet:\n\
         \x20             path: /healthz\n\
         \x20             port: http\n\
         \x20           periodSeconds: 5\n\
         \x20         livenessProbe:\n\
         \x20           httpGet:\n\
         \x20             path: /healthz\n\
         \x20             port: http\n\
         \x20           periodSeconds: 10\n\
         \x20           failureThreshold: 3\n\
         {MCP_RESOURCES}\
         \x20         securityContext:\n\
         \x20           allowPrivilegeEscalation: false\n\
         \x20           readOnlyRootFilesystem: true\n\
         \x20           capabilities:\n\
         \x20             drop: [\"ALL\"]\n\
         ---\n\
         apiVersion: v1\n\
         kind: Service\n\
         metadata:\n\
         \x20 name: {MCP_NAME}\n\
         spec:\n\
         \x20 selector:\n\
         \x20   app.kubernetes.io/name: {MCP_NAME}\n\
         \x20 ports:\n\
         \x20   - name: http\n\
         \x20     port: {MCP_PORT}\n\
         \x20     targetPort: http\n\
         ---\n\
         apiVersion: autoscaling/v2\n\
         kind: HorizontalPodAutoscaler\n\
         metadata:\n\
         \x20 name: {MCP_NAME}\n\
         spec:\n\
         \x20 scaleTargetRef:\n\
         \x20   apiVersion: apps/v1\n\
         \x20   kind: Deployment\n\
         \x20   name: {MCP_NAME}\n\
         \x20 minReplicas: 2\n\
         \x20 maxReplicas: 10\n\
         \x20 metrics:\n\
         \x20   - type: Resource\n\
         \x20     resource:\n\
         \x20       name: cpu\n\
         \x20       target:\n\
         \x20         type: Utilization\n\
         \x20         averageUtilization: 70\n\
         ---\n\
         apiVersion: policy/v1\n\
         kind: PodDisruptionBudget\n\
         metadata:\n\
         \x20 name: {MCP_NAME}\n\
         spec:\n\
         \x20 minAvailable: 1\n\
         \x20 selector:\n\
         \x20   matchLabels:\n\
         \x20     app.kubernetes.io/name: {MCP_NAME}\n\
         ---\n\
         # In: anyone may reach the MCP port (it is the public service; an Ingress or Gateway\n\
         # usually sits in front). Out: FusionAuth's pods only, plus DNS to find them.\n\
         apiVersion: networking.k8s.io/v1\n\
         kind: NetworkPolicy\n\
         metadata:\n\
         \x20 name: {MCP_NAME}\n\
         spec:\n\
         \x20 podSelector:\n\
         \x20   matchLabels:\n\
         \x20     app.kubernetes.io/name: {MCP_NAME}\n\
         \x20 policyTypes: [\"Ingress\", \"Egress\"]\n\
         \x20 ingress:\n\
         \x20   - ports:\n\
         \x20       - protocol: TCP\n\
         \x20         port: {MCP_PORT}\n\
         \x20 egress:\n\
         \x20   - to:\n\
         \x20       - podSelector:\n\
         \x20           matchLabels:\n\
         \x20             app.kubernetes.io/name: {FUSIONAUTH_NAME}\n\
         \x20     ports:\n\
         \x20       - protocol: TCP\n\
         \x20         port: 9011\n\
         \x20   - to:\n\
         \x20       - namespaceSelector: {{}}\n\
         \x20         podSelector:\n\
         \x20           matchLabels:\n\
         \x20             k8s-app: kube-dns\n\
         \x20     ports:\n\
         \x20       - protocol: UDP\n\
         \x20         port: 53\n\
         \x20       - protocol: TCP\n\
         \x20         port: 53\n",
        issuer = quoted(settings.issuer),
        public = quoted(settings.public_url),
        image = quoted(settings.mcp_image),
    );
    out
}

/// `postgresql.yaml`: one PostgreSQL with a persistent volume, to try the setup on a cluster;
/// a managed database is the production choice.
pub fn postgres_manifests(settings: &KubernetesSettings<'_>) -> String {
    format!(
        "# A single PostgreSQL for FusionAuth, to try the setup: one replica, a 5 GiB volume, no\n\
         # backups. For production use a managed PostgreSQL 16 and point the chart's\n\
         # database.host at it instead of applying this file.\n\
         apiVersion: v1\n\
         kind: Service\n\
         metadata:\n\
         \x20 name: {POSTGRES_NAME}\n\
         spec:\n\
         \x20 selector:\n\
         \x20   app.kubernetes.io/name: {POSTGRES_NAME}\n\
         \x20 ports:\n\
         \x20   - name: postgres\n\
         \x20     port: 5432\n\
         \x20     targetPort: postgres\n\
         ---\n\
         apiVersion: apps/v1\n\
         kind: StatefulSet\n\
         metadata:\n\
         \x20 name: {POSTGRES_NAME}\n\
         spec:\n\
         \x20 serviceName: {POSTGRES_NAME}\n\
         \x20 replicas: 1\n\
         \x20 selector:\n\
         \x20   matchLabels:\n\
         \x20     app.kubernetes.io/name: {POSTGRES_NAME}\n\
         \x20 template:\n\
         \x20   metadata:\n\
         \x20     labels:\n\
         \x20       app.kubernetes.io/name: {POSTGRES_NAME}\n\
         \x20   spec:\n\
         \x20     containers:\n\
         \x20       - name: postgres\n\
         \x20         # The project's image; keep the major version (the data directory is its).\n\
         \x20         image: {image}\n\
         \x20         env:\n\
         \x20           - name: POSTGRES_USER\n\
         \x20             value: postgres\n\
         \x20           - name: POSTGRES_PASSWORD\n\
         \x20             valueFrom:\n\
         \x20               secretKeyRef:\n\
         \x20                 name: {SECRET_NAME}\n\
         \x20                 key: {DATABASE_ROOT_PASSWORD}\n\
         \x20           - name: PGDATA\n\
         \x20             value: /var/lib/postgresql/data/pgdata\n\
         \x20         ports:\n\
         \x20           - name: postgres\n\
         \x20             containerPort: 5432\n\
         \x20         readinessProbe:\n\
         \x20           exec:\n\
         \x20             command: [\"pg_isready\", \"-h\", \"127.0.0.1\", \"-U\", \"postgres\"]\n\
         \x20           periodSeconds: 5\n\
         \x20         resources:\n\
         \x20           requests:\n\
         \x20             cpu: 100m\n\
         \x20             memory: 256Mi\n\
         \x20           limits:\n\
         \x20             memory: 512Mi\n\
         \x20         volumeMounts:\n\
         \x20           - name: data\n\
         \x20             mountPath: /var/lib/postgresql/data\n\
         \x20 volumeClaimTemplates:\n\
         \x20   - metadata:\n\
         \x20       name: data\n\
         \x20     spec:\n\
         \x20       accessModes: [\"ReadWriteOnce\"]\n\
         \x20       resources:\n\
         \x20         requests:\n\
         \x20           storage: 5Gi\n",
        image = quoted(&settings.project.postgres_image),
    )
}

/// `README.md`: what each file is, the order of apply, and the URLs to decide first.
pub fn readme(settings: &KubernetesSettings<'_>) -> String {
    let project = settings.project;
    let license = if project.license_id.is_some() {
        format!("- `{LICENSE_ID}`: your FusionAuth license (the project's own).\n")
    } else {
        String::new()
    };
    format!(
        "# mcp-fa project `{name}` on Kubernetes\n\n\
         Written by `mcp-fa export kubernetes`: FusionAuth through its official Helm chart, a\n\
         PostgreSQL to try it with, and the protected MCP server, reproducing the project's\n\
         images, scopes and MCP clients (under their client ids).\n\n\
         | file | what it is |\n\
         | --- | --- |\n\
         | `fusionauth-values.yaml` | values for the `fusionauth/fusionauth` chart ({CHART_VERSION}): database, search engine, the kickstart as a ConfigMap |\n\
         | `postgresql.yaml` | a one-replica PostgreSQL StatefulSet and its Service (skip it for a managed database) |\n\
         | `mcp-server.yaml` | the MCP server: ConfigMap, Deployment (2 replicas), Service, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy |\n\
         | `secrets.env` | the secrets, freshly generated (mode 0600; never commit it) |\n\
         | `secrets.env.example` | its shape, without values |\n\n\
         ## Decide the URLs first\n\n\
         Two URLs are written into FusionAuth's database when it starts on an empty database,\n\
         so set them before the first install:\n\n\
         - **The issuer**, the URL browsers and MCP clients reach FusionAuth at (now\n\
         \x20 `{issuer}`): `FUSIONAUTH_ISSUER` in `fusionauth-values.yaml` and `MCP_FA_ISSUER` in\n\
         \x20 `mcp-server.yaml`. Tokens carry it as `iss`, and the MCP server refuses to start while\n\
         \x20 FusionAuth's discovery document names another one.\n\
         - **The MCP server's public URL** (now `{public}`): `MCP_PUBLIC_URL` in the values and\n\
         \x20 `MCP_FA_PUBLIC_URL` in `mcp-server.yaml`, without `/mcp`. Tokens must be issued for\n\
         \x20 `<public URL>/mcp`; the kickstart registers that as each client's resource.\n\n\
         Use `https://` URLs served by your Ingress or Gateway (the chart has `ingress` and\n\
         `gateway` values for FusionAuth; route the MCP URL to the `{MCP_NAME}` Service, port\n\
         {MCP_PORT}). The values as exported are the laptop's, which work through\n\
         `kubectl port-forward` (below). Changed later, the issuer is the tenant's setting in\n\
         FusionAuth's admin UI, and the resource each client application's.\n\n\
         ## Apply, in this order\n\n\
         ```sh\n\
         kubectl create namespace mcp-fa\n\
         # 1. The secrets (every file here names them; none holds them).\n\
         kubectl -n mcp-fa create secret generic {SECRET_NAME} --from-env-file=secrets.env\n\
         # 2. The database (or a managed PostgreSQL: set database.host in the values).\n\
         kubectl -n mcp-fa apply -f postgresql.yaml\n\
         kubectl -n mcp-fa rollout status statefulset/{POSTGRES_NAME}\n\
         # 3. FusionAuth: it creates its schema and runs the kickstart once.\n\
         helm repo add fusionauth https://fusionauth.github.io/charts\n\
         helm install fusionauth fusionauth/fusionauth --version {CHART_VERSION} -n mcp-fa -f fusionauth-values.yaml\n\
         kubectl -n mcp-fa rollout status deployment/{FUSIONAUTH_NAME}\n\
         # 4. The MCP server (build the repository's Dockerfile and push it first; set `image:`).\n\
         kubectl -n mcp-fa apply -f mcp-server.yaml\n\
         kubectl -n mcp-fa rollout status deployment/{MCP_NAME}\n\
         ```\n\n\
         To try it with the laptop's URLs:\n\
         `kubectl -n mcp-fa port-forward svc/{FUSIONAUTH_NAME} {fa_port}:9011` and\n\
         `kubectl -n mcp-fa port-forward svc/{MCP_NAME} {mcp_port}:{MCP_PORT}`, then connect the MCP\n\
         clients as before (`mcp-fa clients config NAME` prints their configuration).\n\n\
         ## Secrets\n\n\
         `{SECRET_NAME}` holds:\n\n\
         - `{DATABASE_ROOT_PASSWORD}`, `{DATABASE_PASSWORD}`: PostgreSQL's superuser (FusionAuth\n\
         \x20 creates its schema with it) and FusionAuth's own database user.\n\
         - `{API_KEY}`: the global API key the kickstart creates.\n\
         - `{ADMIN_PASSWORD}`, `{DEMO_PASSWORD}`: admin@example.com (the admin UI) and\n\
         \x20 test@example.com (logs in to MCP clients).\n\
         {license}\n\
         The kickstart reads them as `#{{ENV.NAME}}` from FusionAuth's environment, so the\n\
         ConfigMap the chart makes from it holds none. Delete `secrets.env` once the Secret\n\
         exists, or keep it somewhere safe.\n\n\
         ## Sizing\n\n\
         The MCP server requests 100m CPU and 32Mi (limits: 1 CPU, 128Mi): BENCHMARKS.md measured\n\
         23.4 MiB peak RSS under 50 connections and about 15,000 authenticated calls a second on\n\
         one core. The HorizontalPodAutoscaler keeps 2 to 10 replicas at 70% CPU; the\n\
         PodDisruptionBudget keeps one serving through node drains. FusionAuth gets a 512M heap in\n\
         a 1Gi container, with the database search engine (OpenSearch scales further: set\n\
         `search.engine: elasticsearch` and `search.host`).\n",
        name = project.project,
        issuer = settings.issuer,
        public = settings.public_url,
        fa_port = project.fusionauth_port,
        mcp_port = project.mcp_port,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StackState;

    #[test]
    fn image_references_split_at_the_last_colon_after_the_last_slash() {
        assert_eq!(
            repository_and_tag("fusionauth/fusionauth-app:1.69.3"),
            ("fusionauth/fusionauth-app".into(), "1.69.3".into())
        );
        assert_eq!(
            repository_and_tag("registry.local:5000/fa"),
            ("registry.local:5000/fa".into(), "latest".into())
        );
    }

    #[test]
    fn every_file_is_yaml_and_names_secrets_without_holding_them() {
        let project = ExportedProject::from_state(&StackState::sample());
        let settings = KubernetesSettings {
            project: &project,
            mcp_image: "registry.example.com/mcp-fa:0.1.0",
            issuer: "http://localhost:9011",
            public_url: "http://localhost:8000",
            kickstart: "{\n  \"variables\": {}\n}\n",
        };
        let values: serde_json::Value =
            yaml_serde::from_str(&helm_values(&settings)).expect("values");
        assert_eq!(values["search"]["engine"], "database");
        assert_eq!(
            values["kickstart"]["data"]["kickstart.json"],
            "{\n  \"variables\": {}\n}\n"
        );
        assert_eq!(values["image"]["tag"], "1.69.0");
        assert!(
            values["environment"]
                .as_array()
                .expect("list")
                .iter()
                .any(|env| env["name"] == "FUSIONAUTH_LICENSE_ID")
        );
        let manifests = mcp_manifests(&settings);
        for document in manifests.split("\n---\n") {
            let parsed: serde_json::Value = yaml_serde::from_str(document).expect(document);
            assert!(parsed["kind"].is_string(), "{document}");
        }
        for text in [
            helm_values(&settings),
            manifests,
            postgres_manifests(&settings),
            readme(&settings),
        ] {
            assert!(!text.contains("sentinel"), "{text}");
        }
    }
}
