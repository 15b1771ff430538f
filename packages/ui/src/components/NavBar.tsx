import { Link, useLocation } from '../router/router';

const ITEMS = [
  { to: '/runs', label: 'Runs', id: 'runs' },
  { to: '/jobs', label: 'Jobs', id: 'jobs' },
  { to: '/launchpad', label: 'Launchpad', id: 'launchpad' },
  { to: '/schedules', label: 'Schedules', id: 'schedules' },
  { to: '/instance', label: 'Instance', id: 'instance' },
];

export function NavBar() {
  const { pathname } = useLocation();
  return (
    <header className="topnav" data-testid="topnav">
      <Link to="/runs" className="brand" data-testid="nav-home">
        <span className="brand-mark" aria-hidden="true">
          R
        </span>
        Runyard
      </Link>
      <nav>
        {ITEMS.map((item) => {
          const active = pathname === item.to || pathname.startsWith(`${item.to}/`);
          return (
            <Link
              key={item.id}
              to={item.to}
              className={active ? 'active' : undefined}
              aria-current={active ? 'page' : undefined}
              data-testid={`nav-${item.id}`}
            >
              {item.label}
            </Link>
          );
        })}
      </nav>
    </header>
  );
}
