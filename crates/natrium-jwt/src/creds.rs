//! `.creds` files: a user JWT and its nkey seed, each between the armour
//! lines nsc writes (`-----BEGIN NATS USER JWT-----` …).

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredsError {
    #[error("no user JWT in the credentials")]
    NoJwt,
    #[error("no nkey seed in the credentials")]
    NoSeed,
}

/// The user JWT and seed of a creds file's text.
pub fn parse(text: &str) -> Result<(String, String), CredsError> {
    let block = |marker: &str| {
        let mut lines = text.lines().map(str::trim);
        lines.find(|line| line.starts_with("-----BEGIN") && line.contains(marker))?;
        lines
            .find(|line| !line.is_empty() && !line.starts_with("---"))
            .map(str::to_string)
    };
    let jwt = block("JWT").ok_or(CredsError::NoJwt)?;
    let seed = block("SEED").ok_or(CredsError::NoSeed)?;
    Ok((jwt, seed))
}

/// A creds file's text, in nsc's layout.
pub fn format(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let text = super::format("eyJ.a.b", "SUAXYZ");
        assert_eq!(
            super::parse(&text),
            Ok(("eyJ.a.b".to_string(), "SUAXYZ".to_string()))
        );
        assert!(super::parse("nothing").is_err());
    }
}
