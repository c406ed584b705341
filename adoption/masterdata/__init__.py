"""Sites, employees and the feature catalog: records, file import and cleaning."""
