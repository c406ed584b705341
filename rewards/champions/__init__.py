"""Monthly champions and the first-proficient award: data, rules, months, periods."""
