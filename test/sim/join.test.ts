import test from 'ava';
import {idWords} from '../../source/dht/id-table.js';
import {SimWorld} from '../../source/sim/world.js';

test('tables built by protocol joins hold the closest contacts the converged oracle has', async (t) => {
	const nodes = 1000;
	const world = new SimWorld({nodes, seed: 51, converged: false});
	const oracle = new SimWorld({nodes, seed: 51});
	const joined = [0];
	world.node(0);
	// Nodes join in waves of 50, each through a random node that is already in.
	for (let start = 1; start < nodes; start += 50) {
		const wave: Array<Promise<void>> = [];
		const end = Math.min(nodes, start + 50);
		for (let i = start; i < end; i++)
			wave.push(world.node(i).bootstrap([joined[world.random.int(joined.length)]]));
		await world.clock.run();
		await Promise.all(wave);
		for (let i = start; i < end; i++) joined.push(i);
	}

	let joinedHas = 0;
	let oracleHas = 0;
	let total = 0;
	let joinedSize = 0;
	for (let i = 0; i < nodes; i++) {
		t.deepEqual(world.ids.bytes(i), oracle.ids.bytes(i), 'same ids in both worlds');
		const closest = world.sorted
			.closest(idWords(world.ids.bytes(i)), 21)
			.filter((node) => node !== i)
			.slice(0, 20);
		for (const node of closest) {
			if (world.table.has(i, node)) joinedHas++;
			if (oracle.table.has(i, node)) oracleHas++;
		}

		total += closest.length;
		joinedSize += world.table.size(i);
	}

	t.log(
		`closest 20 present: joins ${((joinedHas / total) * 100).toFixed(2)}%, oracle ${((oracleHas / total) * 100).toFixed(2)}%; ${(joinedSize / nodes).toFixed(1)} contacts per node after joins, ${(oracle.contacts / nodes).toFixed(1)} in the oracle`,
	);
	// Even the oracle misses a few: where the 20 closest span a bucket of more than k nodes, the
	// bucket holds a sample of k.
	t.true(oracleHas / total >= 0.99);
	t.true(joinedHas / total >= 0.97 * (oracleHas / total), 'joins find nearly all the oracle has');
	t.true(joinedSize / nodes >= 0.6 * (oracle.contacts / nodes), 'and fill most of the table');
});
