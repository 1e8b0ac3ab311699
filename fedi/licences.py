"""The licences a person may put on the images they generate (shown on the post, carried in the
ActivityPub object and in the image's Content Credentials)."""

from __future__ import annotations

from enum import StrEnum


class ImageLicence(StrEnum):
    ALL_RIGHTS_RESERVED = "all-rights-reserved"
    CC0 = "CC0-1.0"
    CC_BY = "CC-BY-4.0"
    CC_BY_SA = "CC-BY-SA-4.0"
    CC_BY_NC = "CC-BY-NC-4.0"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def url(self) -> str | None:
        """The licence's canonical URL (None: no public licence is granted)."""
        return _URLS.get(self)


_LABELS = {
    ImageLicence.ALL_RIGHTS_RESERVED: "All rights reserved",
    ImageLicence.CC0: "CC0 1.0 (public domain)",
    ImageLicence.CC_BY: "CC BY 4.0",
    ImageLicence.CC_BY_SA: "CC BY-SA 4.0",
    ImageLicence.CC_BY_NC: "CC BY-NC 4.0",
}
_URLS = {
    ImageLicence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    ImageLicence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    ImageLicence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    ImageLicence.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
}


def parse_licence(value: object) -> ImageLicence | None:
    try:
        return ImageLicence(str(value))
    except ValueError:
        return None
