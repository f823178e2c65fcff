//! `--roster FILE.csv`: who each class folder belongs to, for an LMS import. The gradebook's rows are
//! folder names; a roster maps a folder (or the GitHub user a Classroom clone is named after) to the
//! student's id, name and email, which end each row (`roster_id`, `roster_name`, `roster_email`).
//!
//! The roster is a CSV file with a header. Its key column is the first of `folder`,
//! `github_username` (as GitHub Classroom's roster export names it), `github`, `login` or `student`;
//! the id is `id`, `student_id`, `sis_id` or `identifier` (Classroom's export); then `name` and
//! `email`. A folder matches an entry whose key is its name, or the end of its name after a `-`
//! (`gh classroom clone` names each folder `<assignment>-<username>`), GitHub names compared without
//! case. A student on the roster without a folder gets a `no_submission` row, so nobody is missed.

use super::gradebook::records;
use crate::error::{Error, Result, io};
use std::path::Path;

/// One student of the roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// The folder name or GitHub user the roster names.
    pub key: String,
    pub id: String,
    pub name: String,
    pub email: String,
}

/// A class roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub entries: Vec<Entry>,
}

impl Roster {
    /// Reads and parses the roster at `path`.
    pub fn load(path: &Path) -> Result<Roster> {
        let text = std::fs::read_to_string(path).map_err(io("read", path))?;
        Roster::parse(&text).map_err(|message| Error::BadRoster {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a roster's text.
    pub fn parse(text: &str) -> std::result::Result<Roster, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = records(text).into_iter();
        let header: Vec<String> = records
            .next()
            .ok_or("the roster is empty")?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let column = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| header.iter().position(|h| h == name))
        };
        let key = column(&["folder", "github_username", "github", "login", "student"])
            .ok_or("no key column: name one `folder`, `github_username`, `github`, `login` or `student`")?;
        let id = column(&["id", "student_id", "sis_id", "identifier"]);
        let name = column(&["name", "full_name"]);
        let email = column(&["email", "mail"]);
        let cell = |record: &[String], at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map_or(String::new(), |c| c.trim().to_owned())
        };
        let entries = records
            .filter(|record| record.get(key).is_some_and(|k| !k.trim().is_empty()))
            .map(|record| Entry {
                key: cell(&record, Some(key)),
                id: cell(&record, id),
                name: cell(&record, name),
                email: cell(&record, email),
            })
            .collect();
        Ok(Roster { entries })
    }

    /// The entry of the class folder `folder`: the one with the longest key that is the folder's
    /// name or ends it after a `-`.
    pub fn find(&self, folder: &str) -> Option<&Entry> {
        let folder = folder.to_lowercase();
        self.entries
            .iter()
            .filter(|e| {
                let key = e.key.to_lowercase();
                folder == key || folder.ends_with(&format!("-{key}"))
            })
            .max_by_key(|e| e.key.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_classroom_roster_export_maps_clone_folders_to_students() {
        let roster = Roster::parse(
            "\u{feff}\"identifier\",\"github_username\",\"github_id\",\"name\"\n\
             \"s123@uni.edu\",\"adalove\",\"1\",\"Ada Lovelace\"\n\
             \"s456@uni.edu\",\"bob\",\"2\",\"Bob, Jr.\"\n\
             \"s789@uni.edu\",\"\",\"\",\"Not yet joined\"\n",
        )
        .unwrap();
        assert_eq!(
            roster.entries.len(),
            2,
            "an entry without a GitHub user has no folder"
        );
        let ada = roster.find("threads-lesson05-AdaLove").unwrap();
        assert_eq!(
            (ada.id.as_str(), ada.name.as_str()),
            ("s123@uni.edu", "Ada Lovelace")
        );
        assert_eq!(roster.find("bob").unwrap().name, "Bob, Jr.");
        assert_eq!(roster.find("jimbob"), None, "a key ends a name only after a dash");
        assert!(Roster::parse("name,email\nAda,a@x\n").is_err());
    }

    #[test]
    fn a_teachers_own_roster_names_folders() {
        let roster = Roster::parse("folder,student_id,name,email\nada,42,Ada,ada@uni.edu\n").unwrap();
        assert_eq!(
            roster.find("ada"),
            Some(&Entry {
                key: "ada".into(),
                id: "42".into(),
                name: "Ada".into(),
                email: "ada@uni.edu".into()
            })
        );
    }
}
