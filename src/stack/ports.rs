//! Is a port free for `up` to publish, and if not, who holds it: one of our containers (fine,
//! it is being reused or replaced), another container (named), or a process (named when the
//! operating system lets us see it).

use super::project::Project;
use crate::docker::{Docker, DockerError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortCheck {
    Free,
    /// Published by a container of this project.
    Ours,
    /// Held by something else, described for the user.
    Taken(String),
    /// Below 1024, and this process may not listen there (not root).
    Privileged,
}

pub async fn check(
    docker: &Docker,
    project: &Project,
    port: u16,
) -> Result<PortCheck, DockerError> {
    match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(_) => return Ok(PortCheck::Free),
        // Not "in use": nobody may listen there without privileges, whatever holds it.
        Err(error) if error.kind() == std::io::ErrorKind::PermissionDenied => {
            return Ok(PortCheck::Privileged);
        }
        Err(_) => {}
    }
    // Docker's proxy holds published ports, so ask Docker before looking at processes.
    if let Some((name, labels)) = docker.container_publishing(port).await? {
        return Ok(if project.owns(&labels) {
            PortCheck::Ours
        } else {
            PortCheck::Taken(format!("container `{name}`"))
        });
    }
    Ok(PortCheck::Taken(
        process_listening_on(port)
            .map(|(pid, name)| format!("process `{name}` (pid {pid})"))
            .unwrap_or_else(|| "another process".to_owned()),
    ))
}

/// The process with a listening TCP socket on `port`, from `/proc` (Linux only; elsewhere, or
/// when the socket belongs to another user, `None`).
pub fn process_listening_on(port: u16) -> Option<(u32, String)> {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|table| listening_inodes(&table, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    let targets: Vec<String> = inodes
        .iter()
        .map(|inode| format!("socket:[{inode}]"))
        .collect();
    for process in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = process
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(link) = std::fs::read_link(fd.path()) else {
                continue;
            };
            if targets
                .iter()
                .any(|target| link.as_os_str() == target.as_str())
            {
                let name = std::fs::read_to_string(process.path().join("comm"))
                    .map(|comm| comm.trim().to_owned())
                    .unwrap_or_else(|_| "?".to_owned());
                return Some((pid, name));
            }
        }
    }
    None
}

/// Inodes of sockets in state LISTEN (`0A`) on local port `port` in a `/proc/net/tcp` table.
fn listening_inodes(table: &str, port: u16) -> Vec<String> {
    let wanted = format!("{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit(':').next()?;
            (local_port == wanted && *fields.get(3)? == "0A")
                .then(|| fields.get(9).map(|s| (*s).to_owned()))?
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_sockets_are_read_from_the_proc_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:232B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n\
   1: 0100007F:232B 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 99999 1 0000000000000000 100 0 0 10 0\n";
        assert_eq!(listening_inodes(table, 9003), ["12345"]);
        assert!(listening_inodes(table, 9011).is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_listening_process_is_named() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (pid, _name) = process_listening_on(port).expect("found");
        assert_eq!(pid, std::process::id());
    }
}
