//! `object put` and `object get`: files in and out of an object store,
//! streamed.
//!
//! Memory stays flat whatever the object's size: on `put`, async-nats reads
//! the file one chunk (128 KiB) at a time and publishes each chunk before
//! reading the next; on `get`, each chunk it delivers is written to disk
//! before the next is read. async-nats computes the SHA-256 digest on both
//! sides and fails the read of the last chunk when it does not match the
//! stored one; `get` also checks the byte count.
//!
//! `get` writes into a temporary file next to the target and renames it into
//! place only when everything arrived and checked out, so a failed or
//! interrupted download never leaves a truncated file under the real name
//! (nor destroys the file `--force` was about to replace).

use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail};
use async_nats::jetstream::object_store::{GetErrorKind, ObjectMetadata, PutErrorKind};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::{invalid_name, open, progress, show_object};
use crate::bucket;
use crate::cli::object::{GetArgs, PutArgs};
use crate::connection::Connection;
use crate::output;

/// Bytes moved per read on `get` (one default chunk).
const COPY_BUFFER: usize = 128 * 1024;

pub async fn put(connection: &Connection, args: PutArgs) -> anyhow::Result<()> {
    let file = args.file.filter(|path| path.as_os_str() != "-");
    let name = match (&args.name, &file) {
        (Some(name), _) => name.clone(),
        (None, Some(path)) => object_name(path),
        (None, None) => bail!("reading stdin needs --name NAME for the object"),
    };
    if name.is_empty() {
        return Err(invalid_name(&name));
    }
    let headers = crate::messages::parse_headers(&args.headers)?;
    let metadata = bucket::parse_metadata(&args.metadata)?;
    // Opened before connecting: a wrong path fails fast and plainly.
    let (mut input, size): (Box<dyn AsyncRead + Unpin + Send>, Option<u64>) = match &file {
        Some(path) => {
            let opened = tokio::fs::File::open(path)
                .await
                .map_err(|err| anyhow!("cannot read {}: {err}", path.display()))?;
            let length = opened
                .metadata()
                .await
                .map_err(|err| anyhow!("cannot read {}: {err}", path.display()))?;
            if length.is_dir() {
                bail!("{} is a directory: give a file", path.display());
            }
            (Box::new(opened), Some(length.len()))
        }
        None => (Box::new(tokio::io::stdin()), None),
    };
    let bucket = open(connection, &args.bucket).await?;
    bucket.check_writable()?;
    if let Some(existing) = bucket.find(&name).await? {
        if !args.force {
            bail!(
                "object {name} already exists in bucket {} ({}): add --force to replace it",
                args.bucket,
                output::bytes(existing.size as u64)
            );
        }
    }
    let meta = ObjectMetadata {
        name: name.clone(),
        description: args.description,
        chunk_size: None,
        metadata,
        headers,
    };
    let bar = progress::bar(size);
    let mut counted = progress::Counted::new(&mut input, bar.clone());
    let stored = bucket.store.put(meta, &mut counted).await;
    bar.finish_and_clear();
    let info = stored.map_err(|err| match err.kind() {
        PutErrorKind::InvalidName => invalid_name(&name),
        PutErrorKind::ReadChunks => anyhow!("cannot read the input: {err}"),
        _ => anyhow!("cannot store {name} in bucket {}: {err}", args.bucket),
    })?;
    if args.json {
        return output::print_json(&info);
    }
    show_object(&info);
    Ok(())
}

pub async fn get(connection: &Connection, args: GetArgs) -> anyhow::Result<()> {
    let bucket = open(connection, &args.bucket).await?;
    let mut object = bucket
        .store
        .get(&args.name)
        .await
        .map_err(|err| match err.kind() {
            GetErrorKind::NotFound => bucket.missing(&args.name),
            GetErrorKind::InvalidName => invalid_name(&args.name),
            _ => anyhow!(
                "cannot read {} from bucket {}: {err}",
                args.name,
                args.bucket
            ),
        })?;
    let info = object.info().clone();
    let target = match args.output {
        Some(path) => path,
        None => default_output(&info.name)?,
    };
    if !args.force && tokio::fs::symlink_metadata(&target).await.is_ok() {
        bail!(
            "{} already exists: add --force to replace it, or write elsewhere with -O FILE",
            target.display()
        );
    }
    let partial = partial_path(&target);
    let started = Instant::now();
    let bar = progress::bar(Some(info.size as u64));
    let copied = copy_to(&mut object, &partial, &bar).await;
    bar.finish_and_clear();
    let written = match copied {
        Ok(written) if written == info.size as u64 => written,
        Ok(written) => {
            let _ = tokio::fs::remove_file(&partial).await;
            bail!(
                "object {} should be {} bytes but {written} arrived: nothing was written, try again",
                info.name,
                info.size
            );
        }
        Err(err) => {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(err);
        }
    };
    if let Err(err) = tokio::fs::rename(&partial, &target).await {
        let _ = tokio::fs::remove_file(&partial).await;
        bail!("cannot write {}: {err}", target.display());
    }
    println!(
        "Wrote: {} to {} in {}",
        output::bytes(written),
        target.display(),
        output::duration(started.elapsed())
    );
    Ok(())
}

/// Streams `object` into a new file at `path`; returns the bytes written.
async fn copy_to(
    object: &mut (impl AsyncRead + Unpin),
    path: &Path,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<u64> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|err| anyhow!("cannot create {}: {err}", path.display()))?;
    let mut buffer = vec![0u8; COPY_BUFFER];
    let mut written = 0u64;
    loop {
        let read = object.read(&mut buffer).await.map_err(|err| {
            if err.kind() == std::io::ErrorKind::InvalidData {
                anyhow!("the object failed its SHA-256 check ({err}): the stored data is damaged, nothing was written")
            } else {
                anyhow!("reading the object failed: {err}")
            }
        })?;
        if read == 0 {
            break;
        }
        file.write_all(&buffer[..read])
            .await
            .map_err(|err| anyhow!("cannot write {}: {err}", path.display()))?;
        written += read as u64;
        bar.inc(read as u64);
    }
    file.flush()
        .await
        .map_err(|err| anyhow!("cannot write {}: {err}", path.display()))?;
    Ok(written)
}

/// The object name for a file, like the nats CLI: the path as given,
/// without `.` components (`./a/b.txt` is `a/b.txt`).
fn object_name(path: &Path) -> String {
    path.components()
        .filter(|part| *part != Component::CurDir)
        .collect::<PathBuf>()
        .to_string_lossy()
        .into_owned()
}

/// Where `get` writes by default: the name's last part, in the current
/// directory (never a path the object's name points elsewhere with).
fn default_output(name: &str) -> anyhow::Result<PathBuf> {
    Path::new(name)
        .file_name()
        .map(PathBuf::from)
        .ok_or_else(|| anyhow!("object name {name:?} has no file name part: give -O FILE"))
}

/// The temporary file `get` writes before renaming into `target`.
fn partial_path(target: &Path) -> PathBuf {
    let file_name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "object".to_string());
    target.with_file_name(format!(
        ".{file_name}.natrium-partial-{}",
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(object_name(Path::new("./a/b.txt")), "a/b.txt");
        assert_eq!(object_name(Path::new("/tmp/x.bin")), "/tmp/x.bin");
        assert_eq!(object_name(Path::new("x.bin")), "x.bin");
        assert_eq!(default_output("dir/x.bin").unwrap(), PathBuf::from("x.bin"));
        assert!(default_output("..").is_err());
        assert_eq!(
            partial_path(Path::new("/tmp/x.bin")),
            PathBuf::from(format!(
                "/tmp/.x.bin.natrium-partial-{}",
                std::process::id()
            ))
        );
        assert!(crate::messages::parse_headers(&["nocolon".into()]).is_err());
        assert!(crate::messages::parse_headers(&[]).unwrap().is_none());
    }
}
