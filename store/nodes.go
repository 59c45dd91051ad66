package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	fc "github.com/fleetcharge/fleetcharge"
)

// Several nodes (schema 23, docs/DEPLOYMENT.md): each serving process of
// `serve --nats` is a node that keeps a lease on its cluster_nodes row; a
// station's connection is registered under the node holding its socket and
// the connection's epoch. Every write here is a single statement guarded by
// what it expects to find (the node, the epoch, an expired lease), so that
// two nodes racing on one row leave it as one of them alone would: at READ
// COMMITTED PostgreSQL re-checks the WHERE of a row it waited for.

// BeatNode records that node is alive until now + lease, adding its row
// the first time.
func (s *Store) BeatNode(ctx context.Context, node, addr string, lease time.Duration) error {
	now := s.now()
	return s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cluster_nodes (id, addr, started_at, expires_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, addr = excluded.addr`,
			node, addr, ms(now), ms(now.Add(lease)))
		return err
	})
}

// Node is a serving process of several nodes as the database knows it.
type Node struct {
	ID        string
	Addr      string
	StartedAt time.Time
	ExpiresAt time.Time
	Stations  int64 // the registrations it holds
}

// Nodes lists the nodes with a row, live or not yet reaped, by ID.
func (s *Store) Nodes(ctx context.Context) ([]Node, error) {
	var out []Node
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT n.id, n.addr, n.started_at, n.expires_at,
			(SELECT COUNT(*) FROM station_registrations r WHERE r.node_id = n.id)
			FROM cluster_nodes n ORDER BY n.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n Node
			var started, expires int64
			if err := rows.Scan(&n.ID, &n.Addr, &started, &expires, &n.Stations); err != nil {
				return err
			}
			n.StartedAt, n.ExpiresAt = fromMS(started), fromMS(expires)
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}

// RegisterConnection marks the station online (as SetConnection does) and
// registers its connection under node, in one write, and returns the
// connection's epoch: one more than the station's previous one, wherever
// that was. Whichever node held the station before no longer does.
func (s *Store) RegisterConnection(ctx context.Context, stationID fc.ID, node, version string, at time.Time) (epoch int64, err error) {
	switch version {
	case fc.OCPP16, fc.OCPP201:
	default:
		return 0, fc.Invalid(map[string]string{"ocpp_version": "must be 1.6 or 2.0.1"})
	}
	err = s.writeState(ctx, func(tx *sql.Tx) error {
		if err := s.setConnection(ctx, tx, stationID, true, version, at); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO station_registrations (station_id, node_id, epoch, connected_at)
			VALUES ($1, $2, 1, $3)
			ON CONFLICT (station_id) DO UPDATE SET node_id = excluded.node_id,
				epoch = station_registrations.epoch + 1, connected_at = excluded.connected_at
			RETURNING epoch`, int64(stationID), node, ms(at)).Scan(&epoch)
	})
	if err == nil {
		s.stationChanged(stationID)
	}
	return epoch, err
}

// ReleaseConnection ends the registration of the station's connection of
// this epoch on node, and marks the station offline, in one write; it
// reports whether it did. A registration that moved on (the station
// connected again, here or elsewhere, under a newer epoch) is left alone,
// and the station stays online.
func (s *Store) ReleaseConnection(ctx context.Context, stationID fc.ID, node string, epoch int64, at time.Time) (released bool, err error) {
	err = s.writeState(ctx, func(tx *sql.Tx) error {
		released = false
		res, err := tx.ExecContext(ctx, `UPDATE station_registrations SET node_id = ''
			WHERE station_id = $1 AND node_id = $2 AND epoch = $3`, int64(stationID), node, epoch)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		released = true
		return s.setConnection(ctx, tx, stationID, false, "", at)
	})
	if err == nil && released {
		s.stationChanged(stationID)
	}
	return released, err
}

// Registration is where a station's connection is registered.
type Registration struct {
	StationID fc.ID
	Node      string // "" when released
	Epoch     int64
}

// RegistrationOf returns the station's registration; ENotFound when it
// never connected to a node.
func (s *Store) RegistrationOf(ctx context.Context, stationID fc.ID) (Registration, error) {
	r := Registration{StationID: stationID}
	err := s.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT node_id, epoch FROM station_registrations WHERE station_id = $1`,
			int64(stationID)).Scan(&r.Node, &r.Epoch)
		if err == sql.ErrNoRows {
			return fc.Errorf(fc.ENotFound, "station %d has no registration", stationID)
		}
		return err
	})
	return r, err
}

// releaseBatch bounds the registrations released in one write when a node
// leaves or is reaped.
const releaseBatch = 500

// LeaveNode releases every registration node still holds, marking those
// stations offline, and drops its row: the end of a graceful shutdown.
func (s *Store) LeaveNode(ctx context.Context, node string) (released int, err error) {
	released, err = s.releaseNodes(ctx, func(tx *sql.Tx) ([]string, error) { return []string{node}, nil })
	if err != nil {
		return released, err
	}
	return released, s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE id = $1`, node)
		return err
	})
}

// ReapNodes releases the registrations of the nodes whose lease ran out
// (killed, or cut from the database), marking their stations offline, and
// drops those nodes; and marks offline the stations left online with no
// registration at all (a single node's crash before the cluster, or a
// registration released while its online mark was not). Any node may run
// it at any time; a station that connected to a live node meanwhile is
// left as it is. It returns the number of stations marked offline.
func (s *Store) ReapNodes(ctx context.Context) (int, error) {
	now := s.now()
	n, err := s.releaseNodes(ctx, func(tx *sql.Tx) ([]string, error) {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM cluster_nodes WHERE expires_at < $1`, ms(now))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var dead []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			dead = append(dead, id)
		}
		return dead, rows.Err()
	})
	if err != nil {
		return n, err
	}
	if err := s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM cluster_nodes WHERE expires_at < $1
			AND NOT EXISTS (SELECT 1 FROM station_registrations r WHERE r.node_id = cluster_nodes.id)`, ms(now))
		return err
	}); err != nil {
		return n, err
	}
	// Registrations held by a node that has no row (one that never beat,
	// or whose row went away) are as dead.
	m, err := s.releaseNodes(ctx, func(tx *sql.Tx) ([]string, error) {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT r.node_id FROM station_registrations r
			WHERE r.node_id <> '' AND NOT EXISTS (SELECT 1 FROM cluster_nodes n WHERE n.id = r.node_id)`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var orphans []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			orphans = append(orphans, id)
		}
		return orphans, rows.Err()
	})
	n += m
	if err != nil {
		return n, err
	}
	m, err = s.offlineUnregistered(ctx)
	return n + m, err
}

// releaseNodes releases, in writes of releaseBatch stations, every
// registration of the nodes that pick returns, marking each station offline
// in the write that releases it.
func (s *Store) releaseNodes(ctx context.Context, pick func(tx *sql.Tx) ([]string, error)) (int, error) {
	var nodes []string
	if err := s.read(ctx, func(tx *sql.Tx) (err error) { nodes, err = pick(tx); return err }); err != nil {
		return 0, err
	}
	released := 0
	for _, node := range nodes {
		for last := false; !last; {
			var n int
			err := s.writeState(ctx, func(tx *sql.Tx) error {
				n = 0
				rows, err := tx.QueryContext(ctx, `SELECT station_id, epoch FROM station_registrations WHERE node_id = $1
					ORDER BY station_id LIMIT `+strconv.Itoa(releaseBatch), node)
				if err != nil {
					return err
				}
				var regs []Registration
				for rows.Next() {
					r := Registration{Node: node}
					var id int64
					if err := rows.Scan(&id, &r.Epoch); err != nil {
						rows.Close()
						return err
					}
					r.StationID = fc.ID(id)
					regs = append(regs, r)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				at := s.now()
				for _, r := range regs {
					res, err := tx.ExecContext(ctx, `UPDATE station_registrations SET node_id = ''
						WHERE station_id = $1 AND node_id = $2 AND epoch = $3`, int64(r.StationID), node, r.Epoch)
					if err != nil {
						return err
					}
					if k, err := res.RowsAffected(); err != nil || k == 0 {
						if err != nil {
							return err
						}
						continue
					}
					if err := s.setConnection(ctx, tx, r.StationID, false, "", at); err != nil && !fc.IsCode(err, fc.ENotFound) {
						return err
					}
					n++
				}
				last = len(regs) < releaseBatch
				return nil
			})
			if err != nil {
				return released, err
			}
			released += n
		}
	}
	return released, nil
}

// offlineUnregistered marks offline the stations online without a
// registration held by a node.
func (s *Store) offlineUnregistered(ctx context.Context) (int, error) {
	var ids []int64
	if err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT st.id FROM stations st WHERE st.online AND NOT EXISTS
			(SELECT 1 FROM station_registrations r WHERE r.station_id = st.id AND r.node_id <> '')`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}); err != nil {
		return 0, err
	}
	n := 0
	at := s.now()
	for _, id := range ids {
		err := s.writeState(ctx, func(tx *sql.Tx) error {
			// Again under the station's row lock: a connection registered
			// since the read keeps it online.
			// (the UPDATE that changes nothing takes it; at READ COMMITTED
			// the statements after it see what committed before).
			if _, err := tx.ExecContext(ctx, `UPDATE stations SET online = online WHERE id = $1`, id); err != nil {
				return err
			}
			var online bool
			err := tx.QueryRowContext(ctx, `SELECT online FROM stations WHERE id = $1`, id).Scan(&online)
			if err == sql.ErrNoRows {
				return nil
			}
			if err != nil {
				return err
			}
			var held int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM station_registrations WHERE station_id = $1 AND node_id <> ''`, id).Scan(&held); err != nil {
				return err
			}
			if !online || held > 0 {
				return nil
			}
			n++
			return s.setConnection(ctx, tx, fc.ID(id), false, "", at)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// AcquireLease takes or renews the lease name for node until now + ttl,
// and reports whether node holds it: it does when nobody held it, when it
// already did, or when the holder's lease ran out.
func (s *Store) AcquireLease(ctx context.Context, name, node string, ttl time.Duration) (held bool, err error) {
	now := s.now()
	err = s.writeState(ctx, func(tx *sql.Tx) error {
		var holder string
		err := tx.QueryRowContext(ctx, `INSERT INTO cluster_leases (name, node_id, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at
			WHERE cluster_leases.node_id = excluded.node_id OR cluster_leases.expires_at < $4
			RETURNING node_id`, name, node, ms(now.Add(ttl)), ms(now)).Scan(&holder)
		if err == sql.ErrNoRows {
			held = false
			return nil
		}
		held = err == nil && holder == node
		return err
	})
	return held, err
}

// ReleaseLease gives the lease up if node holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, node string) error {
	return s.writeState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM cluster_leases WHERE name = $1 AND node_id = $2`, name, node)
		return err
	})
}
