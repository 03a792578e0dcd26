"""The mock's settings through the plugin: the ``kms`` marker's ``settings=`` (a Settings or a
dict), the ``kms_settings`` ini option, which wins where, and the errors a wrong one gives."""

from __future__ import annotations

import _preload  # noqa: F401  (every kmsmock module, before any in-process run)
import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:asyncio -p no:benchmark -p no:randomly --strict-markers
filterwarnings = error
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(pytester.path / "no-aws-config"))
    pytester.makeini(INI)
    return pytester


def test_the_marker_sets_the_mocks_settings(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        from datetime import timedelta

        import pytest
        from botocore.exceptions import ClientError

        from kmsmock import Limits, Settings

        pytestmark = pytest.mark.kms(settings={"limits.tags_per_key": 1, "transition_delay": 5})


        def test_the_modules(kms, kms_client):
            assert kms.settings == Settings(
                limits=Limits(tags_per_key=1), transition_delay=timedelta(seconds=5)
            )
            tags = [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}]
            with pytest.raises(ClientError) as excinfo:
                kms_client.create_key(Tags=tags)
            assert excinfo.value.response["Error"] == {
                "Code": "TagException", "Message": "Too many tags"
            }


        @pytest.mark.kms(settings={"limits": {"aliases_per_key": 2}, "transition_delay": 0})
        def test_a_closer_dict_changes_what_it_names(kms):
            assert kms.settings == Settings(limits=Limits(tags_per_key=1, aliases_per_key=2))


        @pytest.mark.kms(settings=Settings(audit_events_kept=3))
        def test_a_closer_settings_replaces_them_all(kms):
            assert kms.settings == Settings(audit_events_kept=3)


        @pytest.mark.kms(settings={"audit_events_kept": 4})
        class TestClass:
            @pytest.mark.kms(settings=Settings(audit_events_kept=5))
            def test_a_whole_settings_hides_farther_ones(self, kms):
                assert kms.settings == Settings(audit_events_kept=5)

            def test_the_class_and_the_module(self, kms):
                assert kms.settings == Settings(
                    limits=Limits(tags_per_key=1),
                    transition_delay=timedelta(seconds=5),
                    audit_events_kept=4,
                )
        """
    )
    project.runpytest().assert_outcomes(passed=5)


def test_a_closer_dict_goes_over_a_farther_whole_settings(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        from kmsmock import Limits, Settings

        pytestmark = pytest.mark.kms(settings=Settings(limits=Limits(grants_per_key=3)))


        @pytest.mark.kms(settings={"audit_events_kept": 6})
        def test_both(kms):
            assert kms.settings == Settings(limits=Limits(grants_per_key=3), audit_events_kept=6)
        """
    )
    project.runpytest().assert_outcomes(passed=1)


def test_the_ini_option_sets_every_mocks_and_the_marker_wins(project: pytest.Pytester) -> None:
    project.makeini(
        INI
        + """kms_settings =
    # AWS's quota, lowered so that a test reaches it
    limits.keys_per_region = 2
    transition_delay = 1.5
    audit_events_kept = 100
"""
    )
    project.makepyfile(
        """
        from datetime import timedelta

        import pytest
        from botocore.exceptions import ClientError

        from kmsmock import Limits, Settings


        def test_the_ini(kms, kms_client):
            assert kms.settings == Settings(
                limits=Limits(keys_per_region=2),
                transition_delay=timedelta(seconds=1.5),
                audit_events_kept=100,
            )
            kms_client.create_key()
            kms_client.create_key()
            with pytest.raises(ClientError) as excinfo:
                kms_client.create_key()
            assert excinfo.value.response["Error"]["Code"] == "LimitExceededException"


        @pytest.mark.kms(settings={"limits.keys_per_region": 3})
        def test_the_marker_over_the_ini(kms):
            assert kms.settings == Settings(
                limits=Limits(keys_per_region=3),
                transition_delay=timedelta(seconds=1.5),
                audit_events_kept=100,
            )


        @pytest.mark.kms(settings=Settings())
        def test_a_whole_settings_over_the_ini(kms):
            assert kms.settings == Settings()


        def test_a_mock_of_the_tests_own_has_the_defaults():
            from kmsmock import mock_kms

            with mock_kms() as own:
                assert own.settings == Settings()
        """
    )
    project.runpytest().assert_outcomes(passed=4)


def test_a_snapshots_settings_stay_unless_a_setting_is_given(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest

        from kmsmock import Settings, mock_kms


        @pytest.fixture(scope="session")
        def kms_snapshot():
            with mock_kms(settings=Settings(audit_events_kept=7)) as kms:
                return kms.snapshot()
        """
    )
    project.makepyfile(
        """
        import pytest

        from kmsmock import Limits, Settings


        def test_the_snapshots(kms):
            assert kms.settings == Settings(audit_events_kept=7)


        @pytest.mark.kms(settings={"limits.tags_per_key": 2})
        def test_a_change_to_the_snapshots(kms):
            assert kms.settings == Settings(limits=Limits(tags_per_key=2), audit_events_kept=7)
        """
    )
    project.runpytest().assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            "limits.tags_per_kye = 5",
            "ERROR: ini option kms_settings: 'limits.tags_per_kye' is not a setting (did you "
            "mean 'limits.tags_per_key'?); the settings are transition_delay, audit_events_kept, "
            "limits.keys_per_region, limits.aliases_per_key, limits.grants_per_key, "
            "limits.tags_per_key, limits.key_policy_bytes, limits.custom_key_stores_per_region, "
            "limits.on_demand_rotations_per_key",
        ),
        (
            "tags_per_key = 5",
            "ERROR: ini option kms_settings: 'tags_per_key' is not a setting (did you mean "
            "'limits.tags_per_key'?); *",
        ),
        (
            "limits.tags_per_key = five",
            "ERROR: ini option kms_settings: limits.tags_per_key must be a whole number, 0 or "
            "more; got 'five'",
        ),
        (
            "transition_delay = -3",
            "ERROR: ini option kms_settings: transition_delay must be a number of seconds or a "
            "datetime.timedelta, 0 or more; got -3",
        ),
        (
            "audit_events_kept 5",
            "ERROR: ini option kms_settings: 'audit_events_kept 5' is not a 'name = value' line, "
            "like 'limits.tags_per_key = 5'",
        ),
        (
            "audit_events_kept = 5\n    audit_events_kept = 6",
            "ERROR: ini option kms_settings: audit_events_kept is set twice",
        ),
    ],
    ids=["misspelt", "without-limits", "not-a-number", "negative", "no-equals", "twice"],
)
def test_a_bad_ini_setting_stops_pytest_at_start_up(
    project: pytest.Pytester, lines: str, message: str
) -> None:
    project.makeini(INI + f"kms_settings =\n    {lines}\n")
    project.makepyfile("def test_nothing(): pass")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "kms(settings={'limits.tags_per_kye': 5})",
            "pytest.mark.kms(settings=...): 'limits.tags_per_kye' is not a setting (did you mean "
            "'limits.tags_per_key'?); the settings are transition_delay, audit_events_kept, "
            "limits.keys_per_region, limits.aliases_per_key, limits.grants_per_key, "
            "limits.tags_per_key, limits.key_policy_bytes, limits.custom_key_stores_per_region, "
            "limits.on_demand_rotations_per_key",
        ),
        (
            "kms(settings={'audit_events_kept': -1})",
            "pytest.mark.kms(settings=...): audit_events_kept must be a whole number, 0 or more; "
            "got -1",
        ),
        (
            "kms(settings=5)",
            "pytest.mark.kms(settings=...): a kmsmock.Settings, or a dict of changes by name "
            "like {'limits.tags_per_key': 5, 'transition_delay': 30}; got 5",
        ),
        (
            "kms(setings={})",
            "pytest.mark.kms got an unknown keyword 'setings' (did you mean settings=?); it "
            "takes region, account_id, regions, account_ids, enforce_policies, settings, "
            "integrations",
        ),
    ],
    ids=["misspelt", "negative", "not-a-dict", "misspelt-keyword"],
)
def test_a_bad_settings_marker_fails_its_test_with_a_message(
    project: pytest.Pytester, marker: str, message: str
) -> None:
    project.makepyfile(
        test_bad_settings=f"""
        import pytest

        @pytest.mark.{marker}
        def test_marked(kms):
            pass

        def test_unmarked(kms):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(errors=1)  # the module's collection
    assert f"test_bad_settings.py::test_marked: {message}" in result.stdout.lines
    assert "During handling of the above exception" not in result.stdout.str()


def test_the_ini_option_is_listed(project: pytest.Pytester) -> None:
    result = project.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*kms_settings (linelist):*", "*kmsmock: the kms mock's settings*"]
    )
