//! What a host that may receive credentials looks like (docs/SECURITY.md): a
//! bare DNS name — no scheme, user info, port, path, query, fragment, whitespace or IP
//! literal. A loopback host with a port (`127.0.0.1:8443`, `localhost:9101`, `[::1]:9101`)
//! passes only where plain-http loopback tenants are allowed. One function decides it, for the
//! `vault-setup` diagnostic and for Test connection alike.

/// A host that passed [`bare_host`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The host as written, lower-cased (with its port for a loopback host).
    pub authority: String,
    /// The name alone, lower-cased.
    pub name: String,
    pub loopback: bool,
}

/// Checks a `domain` (or a URL's authority). `Err` says what is wrong, for people.
pub fn bare_host(value: &str, allow_loopback: bool) -> Result<Host, &'static str> {
    if value.contains("://") {
        return Err("must be a bare host such as my-tenant.us.auth0.com: remove the scheme");
    }
    if value.contains(['/', '?', '#']) {
        return Err("must be a bare host such as my-tenant.us.auth0.com: remove the path");
    }
    if value.contains('@') {
        return Err("must be a bare host such as my-tenant.us.auth0.com: remove the user name");
    }
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be a host name such as my-tenant.us.auth0.com");
    }
    let lower = value.to_ascii_lowercase();
    if let Some(host) = loopback_with_port(&lower) {
        return if allow_loopback {
            Ok(Host {
                authority: lower.clone(),
                name: host.to_string(),
                loopback: true,
            })
        } else {
            Err(
                "is a loopback address with a port, which only local test tenants use (with testConnection.allowHttpLoopback)",
            )
        };
    }
    if lower.starts_with('[') {
        return Err("must be a host name, not an IP address");
    }
    if let Some((_, after)) = lower.rsplit_once(':') {
        // `env:AUTH0_DOMAIN` is no port: most often a placeholder that a deploy step replaces
        return if !after.is_empty() && after.bytes().all(|b| b.is_ascii_digit()) {
            Err("must be a bare host such as my-tenant.us.auth0.com: remove the port")
        } else {
            Err(
                "must be a host name such as my-tenant.us.auth0.com, and a `:` that starts no port has no place in one: if a deploy step replaces this value, write a keyword marker such as ##AUTH0_DOMAIN## instead",
            )
        };
    }
    if lower.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("must be a host name, not an IP address");
    }
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if name.len() > 253 || !labels.iter().all(label_ok) {
        return Err("must be a host name such as my-tenant.us.auth0.com");
    }
    if ends_in_a_number(name) {
        return Err("must be a host name, not an IP address");
    }
    Ok(Host {
        authority: name.to_string(),
        name: name.to_string(),
        loopback: name == "localhost",
    })
}

/// Whether a URL parser would read `name` as an IPv4 address: WHATWG's "ends in a number"
/// (the `url` crate follows it), which takes `2130706433`, `0177.0.0.1`, `0x7f000001` and
/// `127.1` for 127.0.0.1. Its last label (a trailing dot aside) is all digits, or `0x` followed
/// by hex digits; such a host is an IP literal, however it is written.
pub fn ends_in_a_number(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let last = name.rsplit('.').next().unwrap_or(name);
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `localhost:N`, `127.x.y.z:N` or `[::1]:N`: the host part, when the value is one of them.
fn loopback_with_port(v: &str) -> Option<&str> {
    let (host, port) = if let Some(rest) = v.strip_prefix('[') {
        let (h, p) = rest.split_once("]:")?;
        (h, p)
    } else {
        v.rsplit_once(':')?
    };
    if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.parse::<u16>().is_err()
    {
        return None;
    }
    let loopback = host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback());
    loopback.then_some(host)
}

/// The authority of an `https://` (or `http://`) URL, for [`bare_host`].
pub fn authority_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_dns_names_pass() {
        for ok in [
            "my-tenant.us.auth0.com",
            "login.example.com",
            "Tenant.EU.Auth0.com",
            "a.b.",
            "localhost",
        ] {
            assert!(bare_host(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "user:pw@127.0.0.1:9101",
            "127.0.0.1:9101/evil?x=",
            "[::1]@evil.example",
            "127.0.0.1",
            "10.0.0.1",
            "0x7f.1",
            // every form a URL parser reads as 127.0.0.1 (issue 20.4)
            "0x7f000001",
            "0X7F000001",
            "2130706433",
            "0177.0.0.1",
            "0177.1",
            "127.1",
            "127.0.1",
            "0x7f.0.0.1",
            "evil.example.0x7f",
            "evil.example.0x",
            "evil.example.123",
            "127.0.0.1.",
            "evil.example:443",
            "https://x.auth0.com",
            "x.auth0.com/path",
            "x.auth0.com#frag",
            "x .auth0.com",
            "x.auth0.com\n",
            "",
            "-x.com",
            "x..com",
            "[::1]",
            "under_score.example",
        ] {
            assert!(bare_host(bad, true).is_err(), "{bad:?}");
        }
        // loopback hosts with a port only where allowed
        for lo in ["127.0.0.1:9101", "localhost:8443", "[::1]:9101"] {
            assert!(bare_host(lo, false).is_err(), "{lo}");
            let h = bare_host(lo, true).unwrap();
            assert!(h.loopback, "{lo}");
        }
        assert!(bare_host("127.0.0.1:99999", true).is_err());
        assert_eq!(
            authority_of("https://a.example/oauth/token?x"),
            Some("a.example")
        );
    }
}
