"""Site settings: one rule per setting (settings.RULES), asked alike by the domain, the settings
page and `mpp setting`."""
import pytest
from sqlalchemy import select

from mpp_app.domain import settings
from mpp_app.models import Setting

VALID = {"mpp_name": "MPP Kota Kupang", "mpp_address": "Jl. Timor Raya", "running_text": "Selamat datang",
         "announce_mode": "digits", "recalls_before_no_show": "2", "retention_days": "90"}


@pytest.mark.parametrize("key, value", [
    ("recalls_before_no_show", "11"), ("recalls_before_no_show", "x"), ("recalls_before_no_show", "٣"),
    ("recalls_before_no_show", "-1"), ("retention_days", "0"), ("retention_days", "3651"),
    ("announce_mode", "loud"), ("mpp_name", ""), ("mpp_name", "x" * 121), ("mpp_address", " "),
    ("running_text", "x" * 501),
])
def test_a_refused_value_is_refused_alike_by_the_domain_the_page_and_the_cli(key, value, staff, runner, session):
    with pytest.raises(settings.SettingValueError) as refused:
        settings.check(key, value)
    message = str(refused.value)
    command = runner.invoke(args=["setting", key, "--", value])
    assert command.exit_code == 1 and message in command.output
    page = staff.login("manager").post("/admin/settings", data={**VALID, key: value})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Setting.key)).all() == []  # nothing stored, by either door


@pytest.mark.parametrize("key, value, stored", [
    ("recalls_before_no_show", " 07 ", "7"), ("retention_days", "3650", "3650"), ("announce_mode", "words", "words"),
    ("running_text", "  Loket Bank NTT tutup pukul 14.00 ", "Loket Bank NTT tutup pukul 14.00"), ("running_text", "", ""),
])
def test_an_accepted_value_is_stored_as_check_writes_it(key, value, stored, session):
    assert settings.check(key, value) == stored
    settings.put(session, key, value)
    assert settings.get(session, key) == stored


def test_saving_the_page_unchanged_stores_nothing(staff, session, app):
    values = settings.effective_values(session, app.config)
    assert staff.login("manager").post("/admin/settings", data=values).status_code == 302
    session.expire_all()
    assert session.scalars(select(Setting.key)).all() == []  # the configured name is not copied into the database
