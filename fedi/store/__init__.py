"""Every SELECT, INSERT and UPDATE: functions taking a Session, saying what they load."""
