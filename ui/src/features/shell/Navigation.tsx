// The side navigation: the screens a role may open, grouped by the people who use them, on the
// right in Arabic and on the left in English (it follows the page's direction). It folds to its
// icons (remembered), and every screen is a real button: Tab and Enter reach it, Alt+1…9 jump to
// the first nine.
import { Badge, Tooltip, UnstyledButton } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { currentLanguage } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { navigate } from "../../lib/route";
import { CollapseIcon } from "./NavIcons";
import { groupScreens, type Screen, type ScreenId } from "./screens";
import classes from "./Navigation.module.css";

type Props = {
  screens: readonly (Screen & { id: ScreenId })[];
  page: ScreenId;
  collapsed: boolean;
  onToggle: () => void;
  /** Messages waiting for an operator, shown on the attention screen's entry. */
  waiting: number;
};

export function Navigation({ screens, page, collapsed, onToggle, waiting }: Props) {
  const { t } = useTranslation();
  const shortcut = (id: ScreenId) => {
    const n = screens.findIndex((s) => s.id === id) + 1;
    return n >= 1 && n <= 9 ? `Alt+${n}` : null;
  };
  return (
    <nav
      id="main-nav"
      aria-label={t("nav.label")}
      className={classes.nav}
      data-collapsed={collapsed || undefined}
      data-testid="app-nav"
    >
      <div className={classes.groups}>
        {groupScreens(screens).map(({ group, screens: members }) => (
          <section key={group} className={classes.group} aria-labelledby={`nav-group-${group}`}>
            <h2 id={`nav-group-${group}`} className={classes.groupTitle}>
              {t(`nav.groups.${group}`)}
            </h2>
            <ul className={classes.list}>
              {members.map((s) => {
                const label = t(s.label);
                const keys = shortcut(s.id);
                const badge =
                  s.id === "attention" && waiting > 0 ? (
                    <Badge
                      component="span"
                      color="red"
                      variant="filled"
                      size="sm"
                      circle={waiting < 10}
                      className={classes.badge}
                      data-testid="attention-count"
                      aria-label={t("attention.countLabel", { count: waiting })}
                    >
                      {formatNumber(waiting, currentLanguage())}
                    </Badge>
                  ) : null;
                return (
                  <li key={s.id}>
                    <Tooltip label={label} position={currentLanguage() === "ar" ? "left" : "right"} disabled={!collapsed} withArrow>
                      <UnstyledButton
                        className={classes.link}
                        data-active={page === s.id || undefined}
                        aria-current={page === s.id ? "page" : undefined}
                        aria-keyshortcuts={keys ?? undefined}
                        data-testid={`nav-${s.id}`}
                        onClick={() => navigate(s.id)}
                      >
                        <span className={classes.icon}>{s.icon}</span>
                        <span className={classes.label}>{label}</span>
                        {badge}
                      </UnstyledButton>
                    </Tooltip>
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </div>
      <UnstyledButton
        className={classes.toggle}
        onClick={onToggle}
        aria-expanded={!collapsed}
        aria-controls="main-nav"
        data-testid="nav-collapse"
      >
        <span className={classes.icon}>
          <CollapseIcon collapsed={collapsed} />
        </span>
        <span className={classes.label}>{collapsed ? t("nav.expand") : t("nav.collapse")}</span>
      </UnstyledButton>
    </nav>
  );
}
