import type { ThingDescription } from '../../shared/model';
import { PropertyRow } from './PropertyRow';

/** A Thing's properties: value, age, trend and the Set column. */
export function PropertyTable({ thing, td, usable }: { thing: string; td: ThingDescription; usable: boolean }) {
  return (
    <div className="table-scroll">
      <table className="props" data-testid={`properties-${thing}`}>
        <thead>
          <tr>
            <th scope="col">Property</th>
            <th scope="col">Value</th>
            <th scope="col">Updated</th>
            <th scope="col">Trend</th>
            <th scope="col">Set</th>
          </tr>
        </thead>
        <tbody>
          {Object.keys(td.properties).map((name) => {
            const affordance = td.properties[name];
            return affordance ? <PropertyRow key={name} thing={thing} name={name} affordance={affordance} disconnected={!usable} /> : null;
          })}
        </tbody>
      </table>
    </div>
  );
}
